"""Every bench script answers --help with its Usage and refuses an option
it does not know (exit 2) before it starts anything: a typo must not run a
long benchmark with the defaults (bench/usage.py)."""

import os
import subprocess
import sys
import unittest

BENCH = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "bench")
SCRIPTS = ["run", "portal.py", "nodes.py", "soak_store.py",
           "memory_open.py", "memory_portal_download.py", "memory_protect.py",
           "memory_large_message.py", "memory_smime_gateway.py",
           "memory_inbound_smime.py"]


def bench(script, *args):
    return subprocess.run([sys.executable, os.path.join(BENCH, script)]
                          + list(args), capture_output=True, text=True,
                          timeout=60)


class BenchUsageTest(unittest.TestCase):
    def test_help_prints_the_usage(self):
        for script in SCRIPTS:
            with self.subTest(script=script):
                r = bench(script, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("Usage: bench/" + script, r.stdout)

    def test_an_unknown_option_is_refused_before_anything_starts(self):
        for script in SCRIPTS:
            with self.subTest(script=script):
                r = bench(script, "--no-such-option")
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("unknown option --no-such-option", r.stderr)
                self.assertIn("Usage: bench/" + script, r.stderr)
                self.assertEqual(r.stdout, "")

    def test_an_option_without_its_value_is_refused(self):
        r = bench("portal.py", "--connections")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--connections needs a value", r.stderr)
        r = bench("memory_protect.py", "10", "--peer")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--peer needs a value", r.stderr)


if __name__ == "__main__":
    unittest.main()
