// Process-wide settings applied once at start-up by the binaries.
//
// Thread-safety: call from main() before starting threads.
#ifndef SEALPOST_BASE_PROCESS_H_
#define SEALPOST_BASE_PROCESS_H_

namespace sealpost {

// Keeps buffers of ordinary messages (up to 4 MiB) on the heap instead of
// fresh mmap() regions: glibc maps every allocation above 128 KiB anew by
// default, and each new page then costs a page fault. Measured with
// bench/protect_bench on a 2-core VM: protect+open of 1 MB messages went from
// 55 MB/s to 1,160 MB/s, 4 KB from 4,400/s to 6,100/s.
// Larger buffers (a 50 MB message and its copies) are mapped and unmapped:
// on the heap, each thread's arena kept the freed copies of one large
// message for itself, so the peak RSS grew with the number of threads that
// had touched one (the 64 MiB threshold this replaces: a 31 MB message
// raised the peak by 420 MB; bench/memory_large_message.py). Freed heap
// memory is returned to the system above 32 MiB.
void TuneAllocatorForLargeBuffers();

}  // namespace sealpost

#endif  // SEALPOST_BASE_PROCESS_H_
