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


sys.path.insert(0, BENCH)
from usage import check_args  # noqa: E402


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

    def test_the_scripts_read_what_check_args_accepted(self):
        # The one parse both checks and answers: an option's value is the
        # word after it even when that word looks like a flag, words are
        # what no option took, and what was not given is the default.
        doc = "Usage: bench/x [--quick] [--baseline B] [N ...]"
        args = check_args(doc, flags=("--quick",), options=("--baseline",),
                          words=True,
                          argv=["10", "--baseline", "--quick", "-3", "50"])
        self.assertEqual(args.value("--baseline"), "--quick")
        self.assertFalse(args.flag("--quick"))
        self.assertEqual(args.words, ["10", "-3", "50"])
        self.assertEqual(args.value("--peer", "none"), "none")
        args = check_args(doc, flags=("--quick",), options=("--baseline",),
                          argv=["--quick", "--baseline", "old"])
        self.assertTrue(args.flag("--quick"))
        self.assertEqual(args.value("--baseline"), "old")
        self.assertEqual(args.words, [])

    def test_an_option_given_twice_is_refused(self):
        # Which one would count is a guess the run must not make.
        r = bench("memory_protect.py", "--peer", "a", "--peer", "b")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("--peer given twice", r.stderr)
        self.assertIn("Usage: bench/memory_protect.py", r.stderr)
        self.assertEqual(r.stdout, "")
        with self.assertRaises(SystemExit) as e:
            check_args("Usage: bench/x [--baseline B]",
                       options=("--baseline",),
                       argv=["--baseline", "old", "--baseline", "old"])
        self.assertEqual(e.exception.code, 2)
        # A flag too: twice is a slip of the hand, not a setting.
        r = bench("memory_large_message.py", "--journal", "--journal")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("--journal given twice", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_an_unknown_kind_is_refused_from_the_parsed_value(self):
        # memory_inbound_smime.py takes --kinds from check_args' result
        # and refuses a kind it does not know before it starts anything.
        r = bench("memory_inbound_smime.py", "--kinds", "opaque,nonsense")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("unknown kind nonsense", r.stderr)


if __name__ == "__main__":
    unittest.main()
