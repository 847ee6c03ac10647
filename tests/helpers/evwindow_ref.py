#!/usr/bin/env python3
"""evwindow_ref.py - a slow, simple reference implementation of evwindow(1).

Written from the man page, independently of the C code, to check it on
random out-of-order streams.  It keeps every event of every window in a
list and computes each result from scratch when the window is written:
no panes, no sketches, no incremental state.  Sums use exact rational
arithmetic (fractions.Fraction) rounded once; percentiles sort the values.

Usage (a subset of evwindow's options):

    evwindow_ref.py (--tumbling D | --sliding D/D | --session D)
                    [--offset D] [--by P[,P...]] [-a [NAME=]FN[:PATH]] ...
                    [--lateness D] [--late drop|emit|file:PATH]
                    [--retain D] [--time-field P] [FILE]

Limits: only exact aggregates (fewer than 10000 values per window and
key), RFC 3339 or integer-second times, no --state, --idle, --max-windows.
Input lines must be valid JSON objects with a valid time.
"""

import math
import re
import sys
from fractions import Fraction

US = 1
MS = 1000
SEC = 1000000
UNITS = {"w": 7 * 86400 * SEC, "d": 86400 * SEC, "h": 3600 * SEC,
         "m": 60 * SEC, "s": SEC, "ms": MS, "us": US}


DUR_RE = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?"
                    r"(?:(\d+)ms)?(?:(\d+)us)?$")


def parse_duration(s):
    m = DUR_RE.match(s)
    if s == "0":
        return 0
    if not s or not m:
        raise SystemExit("bad duration " + s)
    scale = [UNITS[u] for u in ("w", "d", "h", "m", "s", "ms", "us")]
    return sum(int(g) * k for g, k in zip(m.groups(), scale) if g)


# ---- a JSON parser that keeps the text of every value ---------------------

class Node:
    def __init__(self, kind, raw, value):
        self.kind = kind      # obj arr str num lit
        self.raw = raw        # the value's text as written
        self.value = value    # dict of Node, list of Node, str, or raw text


WS = " \t\r\n"


def parse_value(s, i):
    while s[i] in WS:
        i += 1
    start = i
    c = s[i]
    if c == "{":
        members = {}
        i += 1
        while s[i] in WS:
            i += 1
        if s[i] == "}":
            return Node("obj", s[start:i + 1], members), i + 1
        while True:
            key, i = parse_value(s, i)
            while s[i] in WS:
                i += 1
            assert s[i] == ":"
            val, i = parse_value(s, i + 1)
            members[key.value] = val       # the last duplicate wins
            while s[i] in WS:
                i += 1
            if s[i] == ",":
                i += 1
                continue
            assert s[i] == "}"
            return Node("obj", s[start:i + 1], members), i + 1
    if c == "[":
        items = []
        i += 1
        while s[i] in WS:
            i += 1
        if s[i] == "]":
            return Node("arr", s[start:i + 1], items), i + 1
        while True:
            val, i = parse_value(s, i)
            items.append(val)
            while s[i] in WS:
                i += 1
            if s[i] == ",":
                i += 1
                continue
            assert s[i] == "]"
            return Node("arr", s[start:i + 1], items), i + 1
    if c == '"':
        j = i + 1
        while s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        raw = s[i:j + 1]
        import json
        return Node("str", raw, json.loads(raw)), j + 1
    m = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?").match(s, i)
    if m and m.end() > i:
        return Node("num", m.group(0), m.group(0)), m.end()
    for lit in ("true", "false", "null"):
        if s.startswith(lit, i):
            return Node("lit", lit, lit), i + len(lit)
    raise ValueError("bad JSON at %d" % i)


def split_path(p):
    keys, cur, i = [], "", 0
    while i < len(p):
        if p[i] == "\\" and i + 1 < len(p):
            cur += p[i + 1]
            i += 2
            continue
        if p[i] == ".":
            keys.append(cur)
            cur = ""
        else:
            cur += p[i]
        i += 1
    keys.append(cur)
    return keys


def get_path(node, path):
    for k in split_path(path):
        if node.kind != "obj" or k not in node.value:
            return None
        node = node.value[k]
    return node


# ---- text as evwindow writes it ---------------------------------------------

def canon_str(s):
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canon(node):
    """The canonical text of a value: strings decoded and re-encoded."""
    if node is None:
        return "null"
    if node.kind == "str":
        return canon_str(node.value)
    return node.raw


def fmt_double(v):
    if math.isinf(v) or math.isnan(v):
        return "null"
    if v == 0:
        return "0"
    if v == math.floor(v) and abs(v) < 1e15:
        return str(int(v))
    for prec in range(1, 18):
        t = "%.*g" % (prec, v)
        if float(t) == v:
            return t
    return "%.17g" % v


def days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def fmt_time(t):
    days, rem = divmod(t, 86400 * SEC)
    y, m, d = civil_from_days(days)
    secs, us = divmod(rem, SEC)
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, m, d, secs // 3600,
                                          secs // 60 % 60, secs % 60)
    if us:
        s += ".%03d" % (us // 1000) if us % 1000 == 0 else ".%06d" % us
    return s + "Z"


TIME_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?"
                     r"([Zz]|[-+]\d\d:\d\d)$")


def parse_time(node):
    if node is None:
        return None
    if node.kind == "num":
        return int(Fraction(node.raw) * SEC)   # seconds (tests keep them small)
    m = TIME_RE.match(node.value) if node.kind == "str" else None
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(k)) for k in range(1, 7))
    frac = m.group(7) or ""
    us = int((frac[1:] + "000000")[:6]) if frac else 0
    t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * SEC + us
    z = m.group(8)
    if z not in "Zz":
        sign = 1 if z[0] == "+" else -1
        t -= sign * (int(z[1:3]) * 3600 + int(z[4:6]) * 60) * SEC
    return t


# ---- aggregates ----------------------------------------------------------------

def parse_agg(arg):
    name = None
    m = re.match(r"([^=:]+)=(.*)$", arg)
    if m:
        name, arg = m.group(1), m.group(2)
    fn, _, path = arg.partition(":")
    path = path or None
    if name is None:
        name = fn.replace(".", "_")
        if path:
            name += "_" + path.replace("\\", "").replace(".", "_")
    return name, fn, path


def is_int_text(raw):
    return re.fullmatch(r"-?[0-9]+", raw) and -2**63 <= int(raw) < 2**63


def numbers(events, path):
    out = []
    for e in events:
        v = get_path(e["node"], path)
        if v is not None and v.kind == "num":
            if is_int_text(v.raw):
                out.append(int(v.raw))
            else:
                f = float(v.raw)
                if not math.isinf(f):
                    out.append(f)
    return out


def present(events, path):
    out = []
    for e in events:
        v = get_path(e["node"], path)
        if v is not None and not (v.kind == "lit" and v.raw == "null"):
            out.append((e, v))
    return out


def agg_value(fn, path, events):
    if fn == "count":
        return str(len(events) if path is None else len(present(events, path)))
    if fn in ("sum", "avg"):
        xs = numbers(events, path)
        if not xs:
            return "null"
        exact = sum(Fraction(x) for x in xs)
        if fn == "sum":
            if all(isinstance(x, int) for x in xs):
                return str(int(exact))
            return fmt_double(float(exact))
        return fmt_double(float(exact) / len(xs))
    if fn in ("min", "max"):
        xs = numbers(events, path)
        if not xs:
            return "null"
        best = xs[0]
        for x in xs[1:]:
            if isinstance(x, int) and isinstance(best, int):
                better = x < best if fn == "min" else x > best
            else:
                better = float(x) < float(best) if fn == "min" else float(x) > float(best)
            if better:
                best = x
        return str(best) if isinstance(best, int) else fmt_double(best)
    if fn in ("first", "last"):
        ps = present(events, path)
        if not ps:
            return "null"
        ps.sort(key=lambda ev: (ev[0]["ts"], ev[0]["seq"]))
        return (ps[0] if fn == "first" else ps[-1])[1].raw
    if fn == "distinct":
        return str(len({canon(v) for _, v in present(events, path)}))
    if fn.startswith("p"):
        q = Fraction(fn[1:])
        xs = sorted(float(x) for x in numbers(events, path))
        if not xs:
            return "null"
        k = max(1, math.ceil(q * len(xs) / 100))
        return fmt_double(xs[min(k, len(xs)) - 1])
    raise SystemExit("unknown function " + fn)


# ---- windows -----------------------------------------------------------------

class Ref:
    def __init__(self, opts):
        self.o = opts
        self.out = []
        self.max_ts = None
        self.late = 0
        self.late_lines = []

    def wm(self):
        return None if self.max_ts is None else self.max_ts - self.o["lateness"]

    def key_text(self, node):
        return ",".join(canon(get_path(node, p)) for p in self.o["by"])

    def line(self, start, end, key, events, pane):
        parts = ['"window_start":"%s","window_end":"%s"' % (fmt_time(start), fmt_time(end))]
        # Key fields at their paths: rebuild nested objects in order.
        vals = []
        nodes = events[0]["node"]
        for p in self.o["by"]:
            vals.append(canon(get_path(nodes, p)))
        tree = []
        for p, v in zip(self.o["by"], vals):
            ks = split_path(p)
            level = tree
            for k in ks[:-1]:
                for item in level:
                    if item[0] == k and isinstance(item[1], list):
                        level = item[1]
                        break
                else:
                    new = (k, [])
                    level.append(new)
                    level = new[1]
            level.append((ks[-1], v))

        def render(items):
            return ",".join(canon_str(k) + ":" + ("{" + render(v) + "}" if isinstance(v, list) else v)
                            for k, v in items)
        if tree:
            parts.append(render(tree))
        for name, fn, path in self.o["aggs"]:
            parts.append(canon_str(name) + ":" + agg_value(fn, path, events))
        parts.append('"pane":"%s"' % pane)
        self.out.append("{" + ",".join(parts) + "}")


class Panes(Ref):
    """Tumbling and sliding windows: a list of events per window and key."""

    def __init__(self, opts):
        super().__init__(opts)
        self.win = {}        # (start, key) -> events
        self.fired = set()   # (start, key) written
        self.unfired = set() # (start, key) not written yet

    def starts(self, ts):
        size, slide, off = self.o["size"], self.o["slide"], self.o["offset"]
        s = (ts - off) // slide * slide + off
        out = []
        while s > ts - size:
            out.append(s)
            s -= slide
        return sorted(out)

    def event(self, e):
        W0 = self.wm()
        size, R = self.o["size"], self.o["retain"]
        key = self.key_text(e["node"])
        starts = self.starts(e["ts"])
        late = [s for s in starts if W0 is not None and s + size <= W0]
        if late:
            self.late += 1
            if self.o["late"] != "emit":
                self.late_lines.append(e["raw"])
                if len(late) == len(starts):
                    return
                starts = [s for s in starts if s not in late]
            else:
                kept = [s for s in late if s + size + R > W0]
                if len(late) == len(starts) and not kept:
                    return
                starts = [s for s in starts if s not in late or s in kept]
        for s in starts:
            self.win.setdefault((s, key), []).append(e)
            if (s, key) not in self.fired:
                self.unfired.add((s, key))
        if late and self.o["late"] == "emit":
            for s in sorted(late):
                if s + size + R > W0:
                    self.line(s, s + size, key, self.win[(s, key)], "late")
                    self.fired.add((s, key))
                    self.unfired.discard((s, key))
        if self.max_ts is None or e["ts"] > self.max_ts:
            self.max_ts = e["ts"]
            self.fire(self.wm(), "on_time")

    def fire(self, W, pane):
        size = self.o["size"]
        ready = [(s + size, s, k) for (s, k) in self.unfired
                 if W is None or s + size <= W]
        for end, s, k in sorted(ready, key=lambda r: (r[0], r[1], r[2].encode())):
            self.line(s, end, k, self.win[(s, k)], pane)
            self.fired.add((s, k))
            self.unfired.discard((s, k))

    def finish(self):
        self.fire(None, "eof")


class Sessions(Ref):
    def __init__(self, opts):
        super().__init__(opts)
        self.sess = {}   # key -> list of dicts

    def event(self, e):
        W0 = self.wm()
        G, R, ts = self.o["gap"], self.o["retain"], e["ts"]
        key = self.key_text(e["node"])
        lst = self.sess.setdefault(key, [])
        ov = [s for s in lst if s["first"] < ts + G and ts < s["last"] + G]
        late = (W0 is not None and ts + G <= W0) or any(s["closed"] for s in ov)
        if late:
            self.late += 1
            if self.o["late"] != "emit":
                self.late_lines.append(e["raw"])
                return
            end = max([ts + G] + [s["last"] + G for s in ov])
            if any(s["events"] is None for s in ov) or end + R <= W0:
                return
        if ov:
            t = ov[0]
            for s in ov[1:]:
                t["events"] += s["events"]
                t["first"] = min(t["first"], s["first"])
                t["last"] = max(t["last"], s["last"])
                t["emitted"] = t["emitted"] or s["emitted"]
                t["late"] = t["late"] or s["late"]
                lst.remove(s)
        else:
            t = {"first": ts, "last": ts, "events": [], "closed": False,
                 "emitted": False, "late": False}
            lst.append(t)
        t["events"].append(e)
        t["first"] = min(t["first"], ts)
        t["last"] = max(t["last"], ts)
        if late:
            t["late"] = True
            t["emitted"] = t["emitted"] or any(s["closed"] for s in ov)
            if t["last"] + G <= W0:
                self.write(key, t, "late")
                self.cleanup(W0)
            else:
                t["closed"] = False
        if self.max_ts is None or ts > self.max_ts:
            self.max_ts = ts
            self.fire(self.wm(), "on_time")

    def write(self, key, s, pane):
        pane = "late" if s["emitted"] or s["late"] else pane
        self.line(s["first"], s["last"] + self.o["gap"], key, s["events"], pane)
        s["closed"] = True
        s["emitted"] = True
        s["late"] = False

    def cleanup(self, W):
        G, R = self.o["gap"], self.o["retain"]
        for key, lst in self.sess.items():
            for s in list(lst):
                if not s["closed"]:
                    continue
                end = s["last"] + G
                if s["events"] is not None and end + R <= W:
                    s["events"] = None
                if s["events"] is None and end + G <= W:
                    lst.remove(s)

    def fire(self, W, pane):
        G = self.o["gap"]
        ready = [(s["last"] + G, s["first"], k, s) for k, lst in self.sess.items()
                 for s in lst if not s["closed"] and (W is None or s["last"] + G <= W)]
        ready.sort(key=lambda r: (r[0], r[1], r[2].encode()))
        for end, first, k, s in ready:
            self.write(k, s, pane)
        if W is not None:
            self.cleanup(W)

    def finish(self):
        self.fire(None, "eof")


def main(argv):
    o = {"by": [], "aggs": [], "lateness": 0, "late": "drop", "retain": None,
         "offset": 0, "time": "time", "late_file": None}
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        v = argv[i + 1] if i + 1 < len(argv) else None
        if a == "--tumbling":
            o["kind"], o["size"] = "panes", parse_duration(v)
            o["slide"] = o["size"]
        elif a == "--sliding":
            sz, sl = v.split("/")
            o["kind"], o["size"], o["slide"] = "panes", parse_duration(sz), parse_duration(sl)
        elif a == "--session":
            o["kind"], o["gap"] = "session", parse_duration(v)
        elif a == "--offset":
            o["offset"] = -parse_duration(v[1:]) if v.startswith("-") else parse_duration(v)
        elif a == "--by":
            o["by"] += re.split(r"(?<!\\),", v)
        elif a == "-a":
            o["aggs"].append(parse_agg(v))
        elif a == "--lateness":
            o["lateness"] = parse_duration(v)
        elif a == "--late":
            if v.startswith("file:"):
                o["late"], o["late_file"] = "file", v[5:]
            else:
                o["late"] = v
        elif a == "--retain":
            o["retain"] = parse_duration(v)
        elif a == "--time-field":
            o["time"] = v
        else:
            files.append(a)
            i += 1
            continue
        i += 2
    if o["late"] != "emit":
        o["retain"] = 0
    elif o["retain"] is None:
        o["retain"] = 10**30          # until the end of input
    if not o["aggs"]:
        o["aggs"].append(("count", "count", None))
    if o["kind"] == "panes":
        o["offset"] %= o["slide"]
    ref = Panes(o) if o["kind"] == "panes" else Sessions(o)
    src = open(files[0], encoding="utf-8") if files else sys.stdin
    seq = 0
    for raw in src:
        raw = raw.rstrip("\n")
        if not raw.strip():
            continue
        node, _ = parse_value(raw, 0)
        ts = parse_time(get_path(node, o["time"]))
        if ts is None:
            continue
        seq += 1
        ref.event({"node": node, "ts": ts, "seq": seq, "raw": raw})
    ref.finish()
    sys.stdout.write("".join(line + "\n" for line in ref.out))
    if o["late_file"]:
        with open(o["late_file"], "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in ref.late_lines))
    sys.stderr.write("late %d\n" % ref.late)


if __name__ == "__main__":
    main(sys.argv[1:])
