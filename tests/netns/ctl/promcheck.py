#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks a document in the Prometheus text exposition format (0.0.4), as
# `nfqfwctl metrics` prints it, independently of the C code that wrote it:
# HELP and TYPE once per metric and before its samples, a metric's lines in
# one group, valid metric and label names, label values with only \\, \"
# and \n escaped, float values, non-negative counters named ..._total, no
# series twice. On success prints {"families": [[name, type, samples]...],
# "series": {"name{a=\"x\",b=\"y\"}": value}} (labels sorted) and exits 0;
# otherwise prints the first problem to stderr and exits 1.
#
# With --reference, also parses the document with the official Python
# client's parser (prometheus_client), which must accept it and find the
# same samples; exits 77 if that module is not installed.
import json
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\[\\"n])*)"\s*')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class Bad(Exception):
    pass


def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        if not m:
            raise Bad("bad label at %r" % text[pos:])
        name, value = m.group(1), m.group(2)
        if name.startswith("__"):
            raise Bad("reserved label name " + name)
        if name in labels:
            raise Bad("label %s twice" % name)
        labels[name] = value
        pos = m.end()
        if pos < len(text):
            if text[pos] != ",":
                raise Bad("expected ',' in labels at %r" % text[pos:])
            pos += 1
    return labels


def parse_value(text, counter):
    if text in ("NaN", "+Inf", "-Inf"):
        if counter and text != "+Inf":
            raise Bad("counter value " + text)
        return float(text)
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise Bad("bad value " + text)
    v = float(text)
    if counter and v < 0:
        raise Bad("negative counter")
    return int(text) if re.fullmatch(r"\d+", text) else v


class Doc:
    def __init__(self):
        self.families = {}   # name -> {"type", "help", "samples"}
        self.order = []
        self.current = None
        self.series = {}

    def enter(self, name):
        if name in self.families and name != self.current:
            raise Bad("lines of %s not grouped together" % name)
        if name not in self.families:
            self.families[name] = {"type": None, "help": None, "samples": 0}
            self.order.append(name)
        self.current = name
        return self.families[name]

    def comment(self, line):
        parts = line[1:].lstrip(" \t").split(None, 2)
        if not parts or parts[0] not in ("HELP", "TYPE"):
            return
        if len(parts) < 2 or not NAME.fullmatch(parts[1]):
            raise Bad("bad metric name in " + parts[0])
        fam = self.enter(parts[1])
        if fam["samples"]:
            raise Bad("%s of %s after its samples" % (parts[0], parts[1]))
        rest = parts[2] if len(parts) > 2 else ""
        if parts[0] == "HELP":
            if fam["help"] is not None:
                raise Bad("second HELP for " + parts[1])
            if not rest.strip() or re.search(r"\\[^\\n]|\\$", rest):
                raise Bad("empty or badly escaped HELP for " + parts[1])
            fam["help"] = rest
            return
        if fam["type"] is not None:
            raise Bad("second TYPE for " + parts[1])
        if rest not in TYPES:
            raise Bad("unknown type %r" % rest)
        if (rest == "counter") != parts[1].endswith("_total"):
            raise Bad("%s %s: counters and only counters end in _total" % (rest, parts[1]))
        fam["type"] = rest

    def sample(self, line):
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?",
                         line)
        if not m:
            raise Bad("bad sample line")
        name = m.group(1)
        fam = self.families.get(name)
        if not fam or name != self.current or not fam["type"] or fam["help"] is None:
            raise Bad("sample of %s without HELP and TYPE just before it" % name)
        labels = parse_labels(m.group(2) or "")
        value = parse_value(m.group(3), fam["type"] == "counter")
        key = name + "{" + ",".join('%s="%s"' % kv for kv in sorted(labels.items())) + "}"
        if key in self.series:
            raise Bad("series %s twice" % key)
        self.series[key] = value
        fam["samples"] += 1


def check(text):
    if text and not text.endswith("\n"):
        raise Bad("the last line does not end with a newline")
    doc = Doc()
    for no, line in enumerate(text.split("\n")[:-1], 1):
        try:
            if line.startswith("#"):
                doc.comment(line)
            elif line.strip():
                doc.sample(line.lstrip(" \t"))
        except Bad as e:
            raise Bad("line %d: %s: %r" % (no, e, line))
    return doc


def reference(text, doc):
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        sys.exit(77)
    n = 0
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            n += 1
            key = s.name + "{" + ",".join(
                '%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
                for k, v in sorted(s.labels.items())) + "}"
            if key not in doc.series or float(doc.series[key]) != s.value:
                raise Bad("the reference parser read %s = %r" % (key, s.value))
    if n != len(doc.series):
        raise Bad("the reference parser found %d samples, not %d" % (n, len(doc.series)))


def main():
    args = [a for a in sys.argv[1:] if a != "--reference"]
    text = open(args[0], encoding="utf-8").read() if args else sys.stdin.read()
    try:
        doc = check(text)
        if "--reference" in sys.argv:
            reference(text, doc)
    except Bad as e:
        print("promcheck: %s" % e, file=sys.stderr)
        sys.exit(1)
    json.dump({"families": [[n, doc.families[n]["type"], doc.families[n]["samples"]]
                            for n in doc.order],
               "series": doc.series}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
