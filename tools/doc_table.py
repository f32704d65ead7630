"""A table drawn from the code, kept in a Markdown file between two comment markers: the
docs tools print it, or rewrite it in place with ``--write``; their tests compare."""
import argparse


def with_table(text, table, begin, end):
    """``text`` with what lies between ``begin`` and ``end`` replaced by ``table``."""
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    return f"{head}{begin}\n{table}\n{end}{tail}"


def print_or_write(argv, *, description, doc, begin, end, table):
    """The docs tools' command line: print ``table()``, or with ``--write`` put it in ``doc``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--write", action="store_true", help=f"rewrite the table in {doc.relative_to(doc.parents[1])}")
    args = parser.parse_args(argv)
    drawn = table()
    if args.write:
        doc.write_text(with_table(doc.read_text(encoding="utf-8"), drawn, begin, end), encoding="utf-8")
    else:
        print(drawn)
    return 0
