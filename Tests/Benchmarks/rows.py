"""One round of every measurement. Each method returns a dict of raw figures for report.py; sciencefs and its
baseline are always measured in the same round, one after the other, never at the same time (2 cores).

"Cold" means a fresh sciencefs mount whose cache directory was emptied. The path to the file is looked up (and
the token fetched) before the clock starts unless a row says otherwise, so the read rows time data, not metadata.
Before a cold read the server's source file is read into the page cache, so neither side pays the disk.
"""
import json
import os
import statistics
import subprocess
import time

import benchdata
import benchenv
import measure
import servers


class Bench:
    def __init__(self, data, nginx, demo, token, mount, rclone, zero, work, log):
        self.data, self.nginx, self.demo, self.token = data, nginx, demo, token
        self.mount, self.rclone, self.zero, self.work, self.log = mount, rclone, zero, work, log
        self.access = nginx.access

    def media_requests(self, entries):
        return [e for e in entries if e["uri"].startswith(servers.MEDIA_PREFIX) and e["method"] in ("GET", "HEAD")]

    # --- sequential read of 1 GiB: cold against curl, warm against cat of the local file, and rclone ---

    def sequential(self):
        d, m = self.data, self.mount
        local = d.local(d.big)
        measure.into_page_cache(local)
        curl_s = measure.timed(measure.curl_get(self.nginx.media_url(d.big), self.token))
        curl_cat_s = measure.timed(measure.curl_cat(self.nginx.media_url(d.big), self.token))
        self.zero.start()
        ceiling_s = measure.timed(["cat", self.zero.path])
        self.zero.stop()
        m.start(cold=True)
        os.stat(m.path(d.big))
        mark = self.access.mark()
        cold_s = measure.timed(["cat", m.path(d.big)])
        cold_requests = self.media_requests(self.access.since(mark))
        fetched = sum(e["bytes"] for e in cold_requests)
        # Warm: drop only the FUSE file's pages, keep the data cache and have it in the page cache.
        subprocess.run(["dd", f"if={m.path(d.big)}", "iflag=nocache", "count=0", "status=none"], check=True)
        measure.into_page_cache(*m.data_cache_files())
        mark = self.access.mark()
        warm_s = measure.timed(["cat", m.path(d.big)])
        warm_requests = len(self.access.since(mark))
        m.stop()
        local_s = measure.timed(["cat", local])
        size = benchdata.BIG_SIZE
        r = {"curl": measure.mbps(size, curl_s), "curl_cat": measure.mbps(size, curl_cat_s),
             "ceiling": measure.mbps(size, ceiling_s), "cold": measure.mbps(size, cold_s),
             "warm": measure.mbps(size, warm_s), "local": measure.mbps(size, local_s),
             "cold_requests": len(cold_requests), "cold_fetched": fetched, "warm_requests": warm_requests}
        self.log(f"  sequential 1 GiB: curl {r['curl']:.0f} MB/s, curl|cat {r['curl_cat']:.0f} MB/s, FUSE ceiling "
                 f"{r['ceiling']:.0f} MB/s; cold {r['cold']:.0f} MB/s "
                 f"({r['cold_requests']} media requests, {fetched / 2**20:.0f} MiB fetched); "
                 f"warm {r['warm']:.0f} MB/s ({warm_requests} requests), local cat {r['local']:.0f} MB/s")
        return r

    def rclone_read(self):
        d = self.data
        measure.into_page_cache(d.local(d.big))
        self.rclone.start()
        os.stat(self.rclone.path(d.big))
        seconds = measure.timed(["cat", self.rclone.path(d.big)])
        self.rclone.stop()
        r = {"rclone": measure.mbps(benchdata.BIG_SIZE, seconds)}
        self.log(f"  rclone cold cat of 1 GiB: {r['rclone']:.0f} MB/s")
        return r

    # --- 8 parallel readers of 8 × 256 MiB ---

    def parallel(self):
        d, m = self.data, self.mount
        measure.into_page_cache(*[d.local(p) for p in d.parts])
        curl_s = measure.timed_parallel([measure.curl_get(self.nginx.media_url(p), self.token) for p in d.parts])
        curl_cat_s = measure.timed_parallel([measure.curl_cat(self.nginx.media_url(p), self.token) for p in d.parts])
        m.start(cold=True)
        for p in d.parts:
            os.stat(m.path(p))
        ours_s = measure.timed_parallel([["cat", m.path(p)] for p in d.parts])
        rss = benchenv.vm_hwm_kib(m.pid) / 1024
        m.stop()
        total = benchdata.PART_SIZE * len(d.parts)
        r = {"curl": measure.mbps(total, curl_s), "curl_cat": measure.mbps(total, curl_cat_s),
             "ours": measure.mbps(total, ours_s), "rss": rss}
        self.log(f"  8 parallel readers: curl {r['curl']:.0f} MB/s, curl|cat {r['curl_cat']:.0f} MB/s, "
                 f"sciencefs {r['ours']:.0f} MB/s (aggregate), daemon VmHWM {rss:.0f} MiB")
        return r

    # --- 8 readers of ONE 1 GiB file at once (a notebook's data-loader workers) ---

    def shared(self):
        d, m = self.data, self.mount
        measure.into_page_cache(d.local(d.big))
        m.start(cold=True)
        os.stat(m.path(d.big))
        mark = self.access.mark()
        ours_s = measure.timed_parallel([["cat", m.path(d.big)] for _ in range(8)])
        benchenv.wait_idle(m.pid)  # readahead still running counts as fetched for these reads
        requests = self.media_requests(self.access.since(mark))
        m.stop()
        fetched = sum(e["bytes"] for e in requests)
        size = benchdata.BIG_SIZE
        r = {"ours": measure.mbps(8 * size, ours_s), "fetched": fetched, "size": size, "requests": len(requests)}
        self.log(f"  8 readers of one 1 GiB file: {r['ours']:.0f} MB/s aggregate, server sent "
                 f"{fetched / 2**20:.0f} MiB in {len(requests)} requests ({fetched / size:.2f} × the file)")
        return r

    # --- random 4 KiB reads: bytes the server sent per byte fio read ---

    def random_reads(self):
        d, m = self.data, self.mount
        measure.into_page_cache(d.local(d.big))
        m.start(cold=True)
        os.stat(m.path(d.big))
        mark = self.access.mark()
        out = subprocess.run(["fio", "--name=r", f"--filename={m.path(d.big)}", "--rw=randread", "--bs=4k",
                              "--ioengine=psync", "--io_size=16m", "--size=1g", "--randrepeat=1",
                              "--output-format=json"], check=True, capture_output=True, text=True).stdout
        # Whatever the daemon still fetches for these reads counts too: wait until it is idle, then unmount.
        benchenv.wait_idle(m.pid)
        m.stop()
        job = json.loads(out[out.index("{"):])["jobs"][0]["read"]
        requests = self.media_requests(self.access.since(mark))
        fetched = sum(e["bytes"] for e in requests)
        r = {"read": job["io_bytes"], "fetched": fetched, "requests": len(requests), "iops": job["iops"]}
        self.log(f"  random 4 KiB reads: fio read {r['read'] / 2**20:.0f} MiB ({r['iops']:.0f} IOPS), server sent "
                 f"{fetched / 2**20:.1f} MiB in {len(requests)} requests")
        return r

    # --- time to first byte ---

    def first_byte(self):
        d, m = self.data, self.mount
        measure.into_page_cache(*[d.local(p) for p in d.parts])
        curl, ours = [], []
        m.start(cold=True)
        subprocess.run(["ls", "-l", m.path(d.par_dir)], stdout=subprocess.DEVNULL, check=True)
        for p in d.parts:
            curl.append(measure.curl_ttfb(self.nginx.media_url(p), self.token))
            ours.append(measure.first_byte(m.path(p)))
            benchenv.wait_idle(m.pid)  # a finished read's prefetch must not slow the next file's first byte
        m.stop()
        r = {"curl": statistics.median(curl), "ours": statistics.median(ours)}
        self.log(f"  time to first byte (median of {len(d.parts)} files): curl {r['curl'] * 1e3:.1f} ms, "
                 f"sciencefs {r['ours'] * 1e3:.1f} ms  [curl {fmt_ms(curl)}] [sciencefs {fmt_ms(ours)}]")
        return r

    # --- ls -l of 10,000 entries: cold against curl replaying its requests, warm and remounted against local ---

    def listing(self):
        d, m = self.data, self.mount
        local = d.local(d.many)
        subprocess.run(["ls", "-l", local], stdout=subprocess.DEVNULL, check=True)
        local_s = measure.timed(["ls", "-l", local])
        m.start(cold=True)
        os.stat(os.path.dirname(m.path(d.many)))  # token and the parent's lookup are not part of the listing
        mark = self.access.mark()
        cold_s = measure.timed(["ls", "-l", m.path(d.many)])
        cold = self.access.since(mark)
        mark = self.access.mark()
        warm_s = measure.timed(["ls", "-l", m.path(d.many)])
        warm = self.access.since(mark)
        m.stop()
        mount_s = m.start(cold=False)
        mark = self.access.mark()
        remount_s = measure.timed(["ls", "-l", m.path(d.many)])
        remount = self.access.since(mark)
        m.stop()
        others = [e for e in cold if e["method"] != "GET"]
        if others:
            self.log(f"  note: the cold ls made {len(others)} non-GET requests, not replayed: {others[:3]}")
        urls = [self.nginx.base + e["uri"] for e in cold if e["method"] == "GET"]
        curl_s = measure.curl_replay(urls, self.token, os.path.join(self.work, "replay.curl"))
        r = {"cold": cold_s, "curl": curl_s, "cold_requests": len(cold), "warm": warm_s, "local": local_s,
             "warm_requests": len(warm), "remount": remount_s, "remount_requests": len(remount)}
        self.log(f"  ls -l 10,000: cold {cold_s:.3f} s ({len(cold)} requests), curl replay {curl_s:.3f} s; "
                 f"warm {warm_s:.3f} s ({len(warm)} requests); remount (took {mount_s:.1f} s) then "
                 f"{remount_s:.3f} s ({len(remount)} requests); local {local_s:.3f} s")
        return r

    # --- ls -l of 100,000 entries, cold, against curl replaying the same requests ---

    def listing100k(self):
        d, m = self.data, self.mount
        m.start(cold=True)
        os.stat(os.path.dirname(m.path(d.dir100k)))
        mark = self.access.mark()
        cold_s = measure.timed(["ls", "-l", m.path(d.dir100k)])
        cold = self.access.since(mark)
        m.stop()
        urls = [self.nginx.base + e["uri"] for e in cold if e["method"] == "GET"]
        curl_s = measure.curl_replay(urls, self.token, os.path.join(self.work, "replay100k.curl"))
        r = {"cold": cold_s, "curl": curl_s, "cold_requests": len(cold)}
        self.log(f"  ls -l 100,000: cold {cold_s:.2f} s ({len(cold)} requests), curl replay {curl_s:.2f} s")
        return r

    # --- sequential write: cp of 1 GiB into the mount until uploaded, against curl's upload ---

    def write(self):
        d, m = self.data, self.mount
        source = d.local(d.big)
        measure.into_page_cache(source)
        name = "big-copy.bin"
        subprocess.run(["sync"], check=True)
        uploaded = d.local(f"{d.upload_curl_dir}/{name}")
        curl_s, chunked_s = (self._curl_upload(source, name, uploaded, chunked) for chunked in (False, True))
        m.start(cold=True)
        os.stat(m.path(d.upload_dir))
        subprocess.run(["sync"], check=True)
        target = m.path(f"{d.upload_dir}/{name}")
        mark = self.access.mark()
        started = time.perf_counter()
        subprocess.run(["cp", source, target], check=True)
        cp_s = time.perf_counter() - started
        # Done when the server holds the file: a successful POST is in nginx's log (written when the reply is sent)
        # and the file's user.sciencefs.upload says neither "pending" nor "uploading". (sciencefs uploads inside
        # close(), so cp returns after the upload; the attribute disappears once the file is closed.)
        states = []
        while True:
            state = measure.xattr(target, "user.sciencefs.upload")
            if not states or states[-1] != state:
                states.append(state)
            accepted = [e for e in self.access.since(mark) if e["method"] == "POST" and 200 <= e["status"] < 300]
            if accepted and state not in ("pending", "uploading"):
                break
            if time.perf_counter() - started > 600:
                raise RuntimeError(f"upload not finished after 600 s (user.sciencefs.upload went {states})")
            time.sleep(0.01)
        ours_s = time.perf_counter() - started
        posts = [e for e in self.access.since(mark) if e["method"] == "POST"]
        m.stop()
        stored = os.path.getsize(d.local(f"{d.upload_dir}/{name}"))
        d.empty_dir(d.upload_dir)
        if stored != benchdata.BIG_SIZE:
            raise RuntimeError(f"sciencefs's upload stored {stored} bytes")
        size = benchdata.BIG_SIZE
        r = {"curl": measure.mbps(size, curl_s), "ours": measure.mbps(size, ours_s), "cp": cp_s}
        # The stream must be sent chunked, and this server takes a chunked body more slowly than a sized one.
        self.log(f"  write 1 GiB: curl upload {r['curl']:.0f} MB/s (chunked, as sciencefs streams it: "
                 f"{measure.mbps(size, chunked_s):.0f} MB/s); sciencefs cp returned after {cp_s:.2f} s, "
                 f"uploaded after {ours_s:.2f} s = {r['ours']:.0f} MB/s (xattr went {' → '.join(map(str, states))}; "
                 f"POSTs {[(e['status'], round(e['duration'], 2)) for e in posts]})")
        return r

    def _curl_upload(self, source, name, uploaded, chunked):
        """Seconds until curl's upload of `source` has landed on the server."""
        d = self.data
        started = time.perf_counter()
        measure.curl_upload(source, self.nginx.base + servers.MEDIA_PREFIX + d.upload_curl_dir, name, self.token,
                            chunked=chunked)
        # Agave answers the upload with 202 and stages it afterwards (docs/protocols/agave.md §4.4): curl's upload
        # is done when the file has landed, as sciencefs's is (its close() waits for the staging).
        while not (os.path.exists(uploaded) and os.path.getsize(uploaded) == benchdata.BIG_SIZE):
            if time.perf_counter() - started > 600:
                raise RuntimeError("curl's upload did not land within 600 s")
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        d.empty_dir(d.upload_curl_dir)
        return seconds

    # --- daemon memory: 100,000-entry directory, then a 1,000,000-node namespace ---

    def memory(self):
        d, m = self.data, self.mount
        m.start(cold=True)
        started = time.perf_counter()
        out = subprocess.run(["ls", "-l", m.path(d.dir100k)], check=True, capture_output=True).stdout
        ls_s = time.perf_counter() - started
        entries = out.count(b"\n") - 1
        rss_100k = benchenv.vm_hwm_kib(m.pid) / 1024
        started = time.perf_counter()
        walk = subprocess.Popen(["find", m.path(d.namespace), "-printf", "%s %m\n"], stdout=subprocess.PIPE)
        nodes = sum(1 for _ in walk.stdout)
        if walk.wait() != 0:
            raise RuntimeError("find through the mount failed")
        walk_s = time.perf_counter() - started
        rss_ns = benchenv.vm_hwm_kib(m.pid) / 1024
        m.stop()
        if entries != benchdata.DIR100K_FILES or nodes != d.namespace_total_nodes:
            raise RuntimeError(f"listed {entries} of {benchdata.DIR100K_FILES} entries and walked {nodes} of "
                               f"{d.namespace_total_nodes} nodes")
        r = {"rss_100k": rss_100k, "rss_ns": rss_ns, "ls_s": ls_s, "walk_s": walk_s, "nodes": nodes}
        self.log(f"  memory: ls -l of 100,000 entries {ls_s:.1f} s, VmHWM {rss_100k:.0f} MiB; find+stat of "
                 f"{nodes:,} nodes {walk_s:.0f} s, VmHWM {rss_ns:.0f} MiB")
        return r


def fmt_ms(values):
    return " ".join(f"{v * 1e3:.1f}" for v in values)
