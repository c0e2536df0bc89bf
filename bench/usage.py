"""The command line every bench script shares: `-h`/`--help` prints the
script's docstring (its description and Usage line) and exits; an option
the script does not know, an option without its value, an option or flag given
twice, or a stray word where the script takes none is refused with the Usage line and exit 2,
so a typo never starts a long benchmark with the defaults. What it
accepted is returned (Args), so a script reads its options from the same
parse that checked them instead of from sys.argv again."""

import sys


class Args:
    """What check_args accepted: `flag(name)` is whether a flag was
    given, `value(name, default)` an option's value (given at most once),
    `words` the plain words in order."""

    def __init__(self):
        self.flags = set()
        self.values = {}
        self.words = []

    def flag(self, name):
        return name in self.flags

    def value(self, name, default=None):
        return self.values.get(name, default)


def _usage(doc):
    at = doc.find("Usage:")
    return doc[at:].strip() if at >= 0 else doc.strip()


def check_args(doc, flags=(), options=(), words=False, argv=None):
    """Checks `argv` (default sys.argv[1:]) against `flags` (options alone),
    `options` (options with a value) and, when `words` is true, plain
    words (sizes, counts; a negative number is a word). Returns the Args
    it accepted; exits on -h/--help, on an argument it does not know and
    on an option or flag given twice."""
    args = sys.argv[1:] if argv is None else argv
    parsed = Args()
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-h", "--help"):
            print(doc.strip())
            sys.exit(0)
        if a in options:
            if i + 1 >= len(args):
                refuse(doc, "%s needs a value" % a)
            if a in parsed.values:
                refuse(doc, "%s given twice" % a)
            parsed.values[a] = args[i + 1]
            i += 2
            continue
        if a in flags:
            if a in parsed.flags:
                refuse(doc, "%s given twice" % a)
            parsed.flags.add(a)
            i += 1
            continue
        if a.startswith("-") and not _is_number(a):
            refuse(doc, "unknown option %s" % a)
        if not words:
            refuse(doc, "unexpected argument %s" % a)
        parsed.words.append(a)
        i += 1
    return parsed


def _is_number(a):
    try:
        float(a)
        return True
    except ValueError:
        return False


def refuse(doc, why):
    """Writes why with the Usage line and exits 2."""
    sys.stderr.write("%s: %s\n%s\n" % (sys.argv[0], why, _usage(doc)))
    sys.exit(2)
