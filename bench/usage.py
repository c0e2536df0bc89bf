"""The command line every bench script shares: `-h`/`--help` prints the
script's docstring (its description and Usage line) and exits; an option
the script does not know, an option without its value, or a stray word
where the script takes none is refused with the Usage line and exit 2,
so a typo never starts a long benchmark with the defaults."""

import sys


def _usage(doc):
    at = doc.find("Usage:")
    return doc[at:].strip() if at >= 0 else doc.strip()


def check_args(doc, flags=(), options=(), words=False, argv=None):
    """Checks `argv` (default sys.argv[1:]) against `flags` (options alone),
    `options` (options with a value) and, when `words` is true, plain
    words (sizes, counts). Returns nothing; exits on -h/--help or on an
    argument it does not know."""
    args = sys.argv[1:] if argv is None else argv
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-h", "--help"):
            print(doc.strip())
            sys.exit(0)
        if a in options:
            if i + 1 >= len(args):
                _refuse(doc, "%s needs a value" % a)
            i += 2
            continue
        if a in flags:
            i += 1
            continue
        if a.startswith("-") and not _is_number(a):
            _refuse(doc, "unknown option %s" % a)
        if not words:
            _refuse(doc, "unexpected argument %s" % a)
        i += 1


def _is_number(a):
    try:
        float(a)
        return True
    except ValueError:
        return False


def _refuse(doc, why):
    sys.stderr.write("%s: %s\n%s\n" % (sys.argv[0], why, _usage(doc)))
    sys.exit(2)
