#!/bin/bash
# Disk full and an unwritable output directory (issue 4): umbrad reads a
# steady stream on a pipe into a small tmpfs mounted by the test; the tmpfs is
# filled (ENOSPC) or remounted read-only (EROFS) while intervals close.
#   - a clear log line; the intervals are held in memory, not lost; the stats
#     messages (pyzmq) say so ("output": status held, held_intervals...);
#   - capture goes on; once the disk is writable again the held intervals are
#     written oldest first (by the retry timer, or at the next interval), and
#     every file is valid Avro (read_ft4.py) and byte-identical to a reference
#     run on the same input into a normal directory; no temporary file left;
#   - with a small output_backlog_mb the oldest held intervals are dropped:
#     logged with their start and record count, counted in the stats, and the
#     exit status is 1; the same when the disk is still broken at the end.
# Needs root (mount); skipped otherwise.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
"$PYTHON" -c 'import zmq, avro' 2>/dev/null || skip "python3-zmq or python3-avro missing"
MNT="$TMP/mnt"
mkdir -p "$MNT"
mount -t tmpfs -o size=4m,mode=0755 umbra-test "$MNT" 2>/dev/null ||
	skip "mounting a tmpfs is not allowed here"
trap 'umount "$MNT" 2>/dev/null || umount -l "$MNT"; rm -rf "$TMP"' EXIT

# 40 one-second intervals of 1000 packets (about 12 KB per file)
"$UMBRA_GEN" -q -o "$TMP/g.pcap" -n 40000 -s 1700000000 -d 40 -S 7 || fail "umbra-gen"
printf 'stats_endpoint: ""\nlog_level: warn\ninterval: 1\n' > "$TMP/ref.yaml"
"$UMBRAD" -c "$TMP/ref.yaml" -r "$TMP/g.pcap" -o "$TMP/ref" -T 2 2> "$TMP/ref.err" ||
	fail "reference run: $(tail -2 "$TMP/ref.err")"
# files of 8 intervals (rotate_intervals)
printf 'rotate_intervals: 8\n' >> "$TMP/ref.yaml"
"$UMBRAD" -c "$TMP/ref.yaml" -r "$TMP/g.pcap" -o "$TMP/refrot" -T 2 2> "$TMP/ref.err" ||
	fail "reference run: $(tail -2 "$TMP/ref.err")"
# 3 intervals of 18000 packets, nearly one flowtuple each, codec null: files
# of about 1.1 MB, more than the writer buffers (1 MiB): ENOSPC comes mid-file
"$UMBRA_GEN" -q -o "$TMP/big.pcap" -m worst -n 54000 -s 1700000000 -d 3 -S 8 || fail "umbra-gen"
printf 'stats_endpoint: ""\nlog_level: warn\ninterval: 1\ncodec: "null"\n' > "$TMP/ref.yaml"
"$UMBRAD" -c "$TMP/ref.yaml" -r "$TMP/big.pcap" -o "$TMP/refbig" -T 2 2> "$TMP/ref.err" ||
	fail "reference run: $(tail -2 "$TMP/ref.err")"

"$PYTHON" - "$UMBRAD" "$TMP" "$MNT" "$E2E" <<'PY'
import glob, json, os, re, struct, subprocess, sys, time
import zmq

umbrad, tmp, mnt, e2e = sys.argv[1:5]
sys.path.insert(0, e2e)
import read_ft4  # the independent reader (python3-avro)

SCHEMA = read_ft4.load_schema()
T0 = 1700000000
fails = 0


def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    fails += not cond
    return cond


def split(path):
    """A capture's file header and its packets by second (= interval)."""
    data = open(path, "rb").read()
    secs, off = {}, 24
    while off < len(data):
        ts, _, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        secs.setdefault(ts, []).append(data[off:off + 16 + caplen])
        off += 16 + caplen
    return data[:24], {s: b"".join(v) for s, v in secs.items()}


header, by_sec = split(tmp + "/g.pcap")


def rel_files(top):
    out = {}
    for p in glob.glob(top + "/**/*.ft4.avro", recursive=True):
        out[os.path.relpath(p, top)] = p
    return out


def start_of(path):
    return int(re.search(r"_(\d+)\.ft4\.avro$", path).group(1))


ref = rel_files(tmp + "/ref")


def records(path):
    """Records in one file, read with read_ft4 (schema checked); -1 if bad."""
    try:
        return len(read_ft4.read_file(path, SCHEMA)[0])
    except read_ft4.Ft4Error as e:
        print("read_ft4: %s" % e)
        return -1


ref_recs = {start_of(rel): records(p) for rel, p in ref.items()}
check(len(ref) == 40, "reference run: %d files" % len(ref))


def dot_files():
    return [os.path.join(d, f) for d, _, fs in os.walk(mnt) for f in fs if f.startswith(".")]


def fill(leave):
    """Fill the tmpfs but `leave` bytes."""
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize - leave
    with open(mnt + "/dummy", "wb") as f:
        try:
            while free > 0:
                n = min(free, 1 << 20)
                f.write(b"\0" * n)
                f.flush()
                free -= n
        except OSError:
            pass


def remount(mode):
    for _ in range(100):  # EBUSY while a file is open for writing
        if subprocess.run(["mount", "-o", "remount," + mode, mnt],
                          stderr=subprocess.DEVNULL).returncode == 0:
            return True
        time.sleep(0.05)
    return False


def clean():
    subprocess.run(["sh", "-c", 'rm -rf "$0"/* "$0"/.[!.]*', mnt])


class Daemon:
    def __init__(self, name, conf):
        self.name = name
        self.sock = "ipc://%s/%s.sock" % (tmp, name)
        self.conf = "%s/%s.yaml" % (tmp, name)
        self.err = "%s/%s.err" % (tmp, name)
        with open(self.conf, "w") as f:
            f.write('stats_endpoint: "%s"\nlog_level: info\ninterval: 1\n%s'
                    % (self.sock, conf))
        self.ctx = zmq.Context()
        self.sub = self.ctx.socket(zmq.SUB)
        self.sub.connect(self.sock)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"umbra.interval")
        self.msgs = {}
        self.p = subprocess.Popen([umbrad, "-c", self.conf, "-r", "-", "-o", mnt, "-T", "2"],
                                  stdin=subprocess.PIPE, stderr=open(self.err, "w"))
        time.sleep(1.0)  # the daemon binds, the subscriber connects
        self.p.stdin.write(header)
        self.secs = by_sec

    def poll(self):
        while self.sub.poll(0):
            topic, body = self.sub.recv_multipart()
            m = json.loads(body)
            self.msgs[m["interval"]["start"] - T0] = m

    def feed(self, a, b):
        """Feed the packets of seconds a..b (relative): closes a-1..b-1."""
        for s in range(a, b + 1):
            self.p.stdin.write(self.secs.get(T0 + s, b""))
            self.p.stdin.flush()
            time.sleep(0.03)
            self.poll()

    def wait(self, cond, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            self.poll()
            if cond():
                return True
            time.sleep(0.05)
        return False

    def wait_msgs(self, a, b):
        return self.wait(lambda: all(i in self.msgs for i in range(a, b + 1)))

    def log(self):
        return open(self.err).read()

    def finish(self):
        self.p.stdin.close()
        rc = self.p.wait(timeout=60)
        time.sleep(0.2)
        self.poll()
        return rc

    def status(self, a, b):
        return [self.msgs[i]["output"]["status"] if i in self.msgs else None
                for i in range(a, b + 1)]


def backlog_writes(log):
    """Interval starts written from the backlog, in log order."""
    return [int(time.mktime(time.strptime(w, "%Y-%m-%dT%H:%M:%SZ"))) - time.timezone - T0
            for w in re.findall(r"interval (\S+) written from the backlog", log)]


def compare(name, lost=(), ref=ref, ref_recs=ref_recs):
    """The files under mnt: the reference's but `lost`, byte for byte."""
    got = rel_files(mnt)
    want = {r: p for r, p in ref.items() if start_of(r) - T0 not in lost}
    check(sorted(got) == sorted(want),
          "%s: %d files, the reference's%s" % (name, len(got),
              " but the %d lost" % len(lost) if lost else ""))
    same = [r for r in want if r in got and open(got[r], "rb").read() == open(want[r], "rb").read()]
    check(len(same) == len(want), "%s: %d/%d files byte-identical to the reference run" % (name, len(same), len(want)))
    counts = [records(p) for p in got.values()]
    n = sum(counts)
    check(min(counts) >= 0 and (ref_recs is None or n == sum(v for k, v in ref_recs.items() if k - T0 not in lost)),
          "%s: every file valid Avro (read_ft4.py), %d records" % (name, n))
    check(not dot_files(), "%s: no temporary file left (%s)" % (name, dot_files()))
    # written in time order: modification times follow the interval starts
    order = sorted(got.values(), key=start_of)
    mt = [os.stat(p).st_mtime_ns for p in order]
    check(mt == sorted(mt), "%s: files written in time order" % name)


# ---- 1. disk full (ENOSPC), retried by the timer -------------------------
clean()
d = Daemon("full", "output_retry_seconds: 1\n")
d.feed(0, 9)
check(d.wait_msgs(0, 8) and d.status(0, 8) == ["written"] * 9, "full: intervals 0-8 written")
fill(8192)  # two pages left: a file is cut short by ENOSPC mid-write
d.feed(10, 19)
ok = d.wait_msgs(9, 18)
held = [d.msgs[i]["output"]["held_intervals"] for i in range(9, 19)] if ok else []
check(ok and d.status(9, 18) == ["held"] * 10 and held == list(range(1, 11)),
      "full: intervals 9-18 held, held_intervals 1..10 in the stats (%s, %s)" % (d.status(9, 18), held))
check(ok and all(d.msgs[i]["output"]["held_bytes"] > 0 and d.msgs[i]["output"]["lost_intervals"] == 0
                 for i in range(9, 19)), "full: held_bytes > 0, nothing lost")
log = d.log()
check(re.search(r"error: cannot .*No space left on device; interval \S+ held in memory, retried every 1 s", log)
      is not None, "full: log says ENOSPC, held in memory")
check(len(rel_files(mnt)) == 9 and not dot_files(),
      "full: no file for the held intervals, no temporary file (%d files, %s)" % (len(rel_files(mnt)), dot_files()))
check(d.p.poll() is None, "full: umbrad still running")
os.unlink(mnt + "/dummy")
check(d.wait(lambda: len(backlog_writes(d.log())) >= 10),
      "full: held intervals written by the retry timer, without a new interval")
check(backlog_writes(d.log()) == list(range(9, 19)),
      "full: written oldest first: %s" % backlog_writes(d.log()))
check("output writable again: 10 held intervals written" in d.log(), "full: recovery logged")
d.feed(20, 39)
rc = d.finish()
check(rc == 0, "full: exit status %d" % rc)
check(d.status(0, 39) == ["written"] * 9 + ["held"] * 10 + ["written"] * 21,
      "full: one message per interval, status written/held")
check(all(d.msgs[i]["output"]["held_intervals"] == 0 for i in range(19, 40)), "full: held_intervals back to 0")
compare("full")

# ---- 2. read-only output directory, retried at the next interval ---------
clean()
d = Daemon("ro", "output_retry_seconds: 3600\n")
d.feed(0, 9)
d.wait_msgs(0, 8)
check(remount("ro"), "ro: tmpfs remounted read-only")
d.feed(10, 14)
check(d.wait_msgs(9, 13) and d.status(9, 13) == ["held"] * 5, "ro: intervals 9-13 held: %s" % d.status(9, 13))
check(re.search(r"error: cannot create .*Read-only file system; interval \S+ held in memory", d.log()) is not None,
      "ro: log says read-only, held in memory")
check(remount("rw"), "ro: tmpfs writable again")
time.sleep(1.5)
check(not backlog_writes(d.log()), "ro: no retry before its time (output_retry_seconds 3600)")
d.feed(15, 15)
check(d.wait(lambda: 14 in d.msgs) and d.status(14, 14) == ["written"]
      and d.msgs[14]["output"]["held_intervals"] == 0, "ro: the next interval retries: 14 written, nothing held")
check(backlog_writes(d.log()) == list(range(9, 14)), "ro: held ones written first, in order: %s" % backlog_writes(d.log()))
d.feed(16, 34)
d.wait_msgs(15, 33)
check(remount("ro"), "ro: read-only again near the end")
d.feed(35, 39)
d.wait_msgs(34, 38)
check(remount("rw"), "ro: writable before the input ends")
rc = d.finish()
check(rc == 0 and d.status(34, 38) == ["held"] * 5 and d.status(39, 39) == ["written"],
      "ro: exit status %d, 34-38 held then written with the last interval" % rc)
compare("ro")

# ---- 3. backlog bound: the oldest held intervals are dropped -------------
clean()
d = Daemon("bound", "output_retry_seconds: 1\noutput_backlog_mb: 1\n")
d.feed(0, 9)
d.wait_msgs(0, 8)
fill(0)
d.feed(10, 29)
d.wait_msgs(9, 28)
log = d.log()
lost = [int(time.mktime(time.strptime(w, "%Y-%m-%dT%H:%M:%SZ"))) - time.timezone - T0
        for w, _ in re.findall(r"interval (\S+) lost: (\d+) flowtuples not written \(dropped from the backlog", log)]
lost_n = [int(n) for _, n in re.findall(r"interval (\S+) lost: (\d+) flowtuples not written \(dropped", log)]
check(lost and lost == list(range(9, 9 + len(lost))),
      "bound: the oldest held intervals dropped, logged: %s" % lost)
check(lost_n == [ref_recs[T0 + i] for i in lost], "bound: each with its record count")
last = d.msgs.get(28, {}).get("output", {})
check(last.get("lost_intervals") == len(lost) and last.get("lost_flowtuples") == sum(lost_n),
      "bound: stats count %s lost intervals, %s flowtuples" % (last.get("lost_intervals"), last.get("lost_flowtuples")))
check(all(d.msgs[i]["output"]["held_bytes"] <= 1 << 20 for i in range(9, 29)),
      "bound: held_bytes never over 1 MiB (max %d)" % max(d.msgs[i]["output"]["held_bytes"] for i in range(9, 29)))
os.unlink(mnt + "/dummy")
check(d.wait(lambda: len(backlog_writes(d.log())) >= 20 - len(lost)), "bound: the rest written after the disk is freed")
d.feed(30, 39)
rc = d.finish()
check(rc == 1, "bound: exit status %d (something was lost)" % rc)
check(re.search(r"%d intervals \(%d flowtuples\) could not be written and are lost" % (len(lost), sum(lost_n)),
                d.log()) is not None, "bound: the loss summed up at exit")
compare("bound", lost=set(lost))

# ---- 4. still full when the input ends: one last attempt, then lost ------
clean()
d = Daemon("end", "output_retry_seconds: 1\n")
d.feed(0, 9)
d.wait_msgs(0, 8)
fill(0)
d.feed(10, 14)
d.wait_msgs(9, 13)
rc = d.finish()
log = d.log()
check(rc == 1, "end: exit status %d" % rc)
n_lost = len(re.findall(r"lost: \d+ flowtuples not written \(still not writable at exit\)", log))
check(n_lost == 6, "end: the 6 held intervals (9-14) logged as lost at exit (%d)" % n_lost)
check(len(rel_files(mnt)) == 9 and not dot_files(), "end: the 9 written files, no temporary file")

# ---- 5. rotation: a file of 8 intervals fails at its commit ---------------
clean()
refrot = rel_files(tmp + "/refrot")
d = Daemon("rot", "output_retry_seconds: 1\nrotate_intervals: 8\n")
d.feed(0, 19)
d.wait_msgs(0, 18)
check(d.status(16, 18) == ["written"] * 3 and not d.msgs[18]["file"]["committed"],
      "rot: 16-18 appended to the open file 16-23")
fill(0)
d.feed(20, 27)
d.wait_msgs(19, 26)
check(d.msgs[23]["output"]["status"] == "held" and d.msgs[23]["output"]["held_intervals"] == 8,
      "rot: the commit of file 16-23 fails: its 8 intervals held (%s)" % d.msgs[23]["output"])
check(len(rel_files(mnt)) == 2 and not dot_files(), "rot: only files 0-7 and 8-15, no temporary file")
os.unlink(mnt + "/dummy")
check(d.wait(lambda: backlog_writes(d.log()) == list(range(16, 24))),
      "rot: file 16-23 written again whole: %s" % backlog_writes(d.log()))
d.feed(28, 39)
rc = d.finish()
check(rc == 0, "rot: exit status %d" % rc)
compare("rot", ref=refrot, ref_recs=None)

# ---- 6. rotation, backlog bound below an open file: no loss while the disk
# is fine (the runs of the open file are released, not dropped)
clean()
with open(tmp + "/rotb.yaml", "w") as f:
    f.write('stats_endpoint: ""\nlog_level: info\ninterval: 1\nrotate_intervals: 8\noutput_backlog_mb: 1\n')
p = subprocess.run([umbrad, "-c", tmp + "/rotb.yaml", "-r", tmp + "/g.pcap", "-o", mnt, "-T", "2"],
                   stderr=subprocess.PIPE, text=True)
check(p.returncode == 0 and " lost" not in p.stderr, "rotb: exit status %d, nothing lost" % p.returncode)
compare("rotb", ref=refrot, ref_recs=None)

# ---- 7. ENOSPC in the middle of a big file -------------------------------
clean()
refbig = rel_files(tmp + "/refbig")
check(len(refbig) == 3 and min(os.path.getsize(p) for p in refbig.values()) > 1 << 20,
      "big: reference files over 1 MiB")
fill(512 << 10)
d = Daemon("big", "output_retry_seconds: 3600\ncodec: \"null\"\n")
_, d.secs = split(tmp + "/big.pcap")
d.feed(0, 1)
check(d.wait_msgs(0, 0) and d.status(0, 0) == ["held"], "big: interval 0 held")
check(re.search(r"error: cannot write .*No space left on device; interval \S+ held", d.log()) is not None,
      "big: ENOSPC mid-file logged")
st = os.statvfs(mnt)
check(not dot_files() and not rel_files(mnt) and st.f_bavail * st.f_frsize >= 500 << 10,
      "big: the cut temporary file removed, its space freed (%d KiB free)" % (st.f_bavail * st.f_frsize >> 10))
os.unlink(mnt + "/dummy")
d.feed(2, 2)
rc = d.finish()
check(rc == 0 and d.status(0, 2) == ["held", "written", "written"], "big: exit status %d, %s" % (rc, d.status(0, 2)))
compare("big", ref=refbig, ref_recs=None)  # byte-identical: same records
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] || FAILS=$((FAILS + 1))
finish
