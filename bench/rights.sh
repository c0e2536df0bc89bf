#!/usr/bin/env bash
# Protection core vs OpenSSL, in one run (make bench). Prints ratios: the
# machines are shared and noisy, absolute figures mean little.
set -euo pipefail
build="${BUILD:-build}"
secs="${BENCH_SECONDS:-2}"
bin="$build/bench/protect_bench"
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }

echo "== Protection core (protect + open) vs openssl speed, ${secs}s each"
ours=$("$bin" "$secs")
gcm=$(openssl speed -evp aes-256-gcm -seconds "$secs" -bytes 4096 2>/dev/null |
      awk 'tolower($1)=="aes-256-gcm" {print $2}' | sed 's/k$//')
gcm_1m=$(openssl speed -evp aes-256-gcm -seconds "$secs" -bytes 1048576 2>/dev/null |
      awk 'tolower($1)=="aes-256-gcm" {print $2}' | sed 's/k$//')
ed=$(openssl speed -seconds "$secs" ed25519 2>/dev/null |
     awk '/\(Ed25519\)/ {print $(NF-1), $NF}' | tail -1)
ed_sign=${ed% *}
ed_verify=${ed#* }
get() { echo "$ours" | awk -v k="$1" '$1==k {print $2}'; }
p4=$(get protect_open_4096_per_s); p4mb=$(get protect_open_4096_MB_per_s)
p1m=$(get protect_open_1048576_per_s); p1mmb=$(get protect_open_1048576_MB_per_s)
# openssl speed prints kB/s (1000 bytes); convert to MB/s.
gcm_mb=$(awk -v k="$gcm" 'BEGIN {printf "%.1f", k/1000}')
gcm1m_mb=$(awk -v k="$gcm_1m" 'BEGIN {printf "%.1f", k/1000}')
# One protect+open = 1 sign + 1 verify + 2 GCM passes over the message.
ed_pair=$(awk -v s="$ed_sign" -v v="$ed_verify" 'BEGIN {printf "%.0f", 1/(1/s+1/v)}')
printf "%-34s %14s %14s %8s\n" "measure" "sealpost" "openssl" "ratio"
printf "%-34s %14s %14s %8s\n" "4 KB protect+open /s vs Ed25519 sign+verify /s" \
  "$p4" "$ed_pair" "$(awk -v a="$p4" -v b="$ed_pair" 'BEGIN {printf "%.2f", a/b}')"
printf "%-34s %14s %14s %8s\n" "4 KB MB/s vs AES-256-GCM 4 KB" "$p4mb" "$gcm_mb" \
  "$(awk -v a="$p4mb" -v b="$gcm_mb" 'BEGIN {printf "%.2f", a/b}')"
printf "%-34s %14s %14s %8s\n" "1 MB protect+open /s" "$p1m" "-" "-"
printf "%-34s %14s %14s %8s\n" "1 MB MB/s vs AES-256-GCM 1 MB" "$p1mmb" "$gcm1m_mb" \
  "$(awk -v a="$p1mmb" -v b="$gcm1m_mb" 'BEGIN {printf "%.2f", a/b}')"
echo
echo "100 MB sealed and opened through the streaming writer/reader:"
echo "  $(get stream_100MB_seconds) s, $(get stream_100MB_MB_per_s) MB/s;" \
     "peak RSS $(get stream_rss_peak_KiB) KiB (before: $(get stream_rss_before_KiB) KiB)"
