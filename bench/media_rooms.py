"""Breakout rooms on one media process: 10 rooms, each with a room device and 4 remote participants.

Every peer publishes and hears the others in its room (plans as Plaza computes them: the device
sends ``m/r/<room>/dev`` exclusive, a participant ``m/r/<room>/p/<pid>``; all hear ``m/r/<room>/``),
so each room is 5 sources and 20 forwarded streams, 50 sources and 200 streams in all.  The peers
are aiortc peers in this process (the media process is another, started here); each microphone is
server/media/testing.py's ``OpusSignalTrack`` (a click each second, speech-like noise, silence;
Opus at 32 kb/s, a different noise per peer), each peer's slot counts its packets without decoding.

Checked: every peer's slots hold exactly the 4 others of its room, each of those slots gets 50
packets a second, and every packet it gets is one its slot's publisher sent (not another room's).
Measured over ``--duration`` seconds: the media process's CPU and RSS, its slot queues and loop
stalls, and mouth-to-ear at packet level (each click from its publisher's capture clock to its
arrival at each of the 4 listeners; p50/p95/max).

    .venv/bin/python -m bench.media_rooms
    .venv/bin/python -m bench.media_rooms --rooms 10 --people 4 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from bench.media_listeners import (
    busy_share,
    cpu_times,
    lift_fd_limit,
    loop_watch,
    prioritise,
    quiet,
    summary_ms,
    window_stats,
)
from server.media.testing import LinkClient, OpusSignalTrack, PeerClient, join, loopback_only, start_media

SECRET = "bench-media-rooms"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    people = args.people
    total = args.rooms * (1 + people)
    media = start_media(secret=SECRET, env={"PLAZA_MEDIA_MAX_PEERS": str(total + 10)})
    prioritise([os.getpid(), media.proc.pid], args.nice)
    peers: dict[str, PeerClient] = {}
    mics: dict[str, OpusSignalTrack] = {}  # by source key
    keys: dict[str, str] = {}  # peer id -> its source key
    try:
        with loopback_only():
            link = await LinkClient.connect(media.url, SECRET, process="bench-rooms")
            s0 = await link.stats()
            lag: dict[str, float] = {}
            watch = asyncio.ensure_future(loop_watch(lag))
            sem = asyncio.Semaphore(args.concurrency)
            seed = 0

            async def one(pid: str, plan: dict[str, Any]) -> None:
                nonlocal seed
                seed += 1
                mic = OpusSignalTrack(seed=seed)
                peer = PeerClient(mic=mic, record=True)
                peers[pid], mics[plan["send"]], keys[pid] = peer, mic, plan["send"]
                async with sem:
                    reply = await join(link, pid, peer, plan)
                    assert reply["t"] == "answer", reply
                    await asyncio.wait_for(peer.connected.wait(), 60)

            jobs = []
            for r in range(args.rooms):
                room = f"m/r/{r}/"
                jobs.append(one(f"dev{r}", {"send": room + "dev", "exclusive": True, "hear": [room]}))
                for p in range(people):
                    jobs.append(one(f"r{r}p{p}", {"send": f"{room}p/{p}", "exclusive": False, "hear": [room]}))
            t = time.monotonic()
            await asyncio.gather(*jobs)
            connect_s = time.monotonic() - t
            s1 = await link.stats()
            await asyncio.sleep(args.warmup)
            s2 = await link.stats()
            host0 = cpu_times()
            start = time.time()
            end = start + args.duration
            marks = {pid: [len(s.payloads) for s in p.stats] for pid, p in peers.items()}
            for p in peers.values():
                p.window(start, end)
                for s in p.stats:
                    s.onsets.clear()
            lag.clear()
            await asyncio.sleep(args.duration)
            s3 = await link.stats()
            host1 = cpu_times()
            lag_max = lag.get("max", 0.0)
            watch.cancel()

            rates: list[float] = []
            latencies: list[float] = []
            bad_slots = wrong_packets = 0
            sent = {key: set(m.packets) for key, m in mics.items()}
            for pid, peer in peers.items():
                room = keys[pid].rsplit("/", 2)[0] if "/p/" in keys[pid] else keys[pid].rsplit("/", 1)[0]
                others = sorted(k for k in mics if k.startswith(room + "/") and k != keys[pid])
                slots = link.slots(pid) or []
                if sorted(k for k in slots if k) != others or len(others) != people:
                    bad_slots += 1
                for i, key in enumerate(slots):
                    if not key:
                        continue
                    st = peer.stats[i]
                    rates.append(st.in_window / args.duration)
                    heard = st.payloads[marks[pid][i] :]
                    wrong_packets += sum(1 for x in heard if x not in sent[key])
                    latencies += [t - mics[key].mouth(t) for t in st.onsets if start <= t < end]
            out = {
                "rooms": args.rooms,
                "peers": total,
                "streams": sum(1 for pid in peers for k in (link.slots(pid) or []) if k),
                "connect_s": round(connect_s, 1),
                "connect_media_cpu_s": round(s1["cpu_s"] - s0["cpu_s"], 2),
                "rooms_wrong": bad_slots,
                "packets_not_from_the_slots_publisher": wrong_packets,
                "pkts_per_s_min": round(min(rates), 2) if rates else None,
                "pkts_per_s_mean": round(sum(rates) / len(rates), 2) if rates else None,
                **window_stats(s2, s3, total),
                "rss_per_peer_kib": round((s2["rss"] - s0["rss"]) / total / 1024, 1),
                "mouth_to_ear_ms": summary_ms(latencies),
                "load_loop_lag_max_ms": round(lag_max * 1000, 1),
                "host_busy_pct": busy_share(host0, host1),
                "loadavg_1m": round(os.getloadavg()[0], 2),
            }
            out["media_cpu_ms_per_s_per_stream"] = round(out["media_cpu_s_per_s"] * 1000 / max(1, out["streams"]), 3)
            await asyncio.gather(*(p.close() for p in peers.values()), return_exceptions=True)
            await link.close()
            return out
    finally:
        await media.astop()


async def main(args: argparse.Namespace) -> None:
    lift_fd_limit()
    with quiet("bench/media_rooms.py"):
        res = await run(args)
    print(json.dumps(res), flush=True)
    lat = res["mouth_to_ear_ms"]
    print()
    print(
        "| rooms x peers | streams | pkts/s min (mean) | queue high / dropped | loop stall max | media CPU s/s "
        "| per stream ms/s | RSS per peer | mouth-to-ear p50 / p95 / max |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {res['rooms']} x {res['peers'] // res['rooms']} | {res['streams']} | {res['pkts_per_s_min']} "
        f"({res['pkts_per_s_mean']}) | {res['queue_high']} / {res['dropped']} | {res['stall_max_ms']} ms | "
        f"{res['media_cpu_s_per_s']} | {res['media_cpu_ms_per_s_per_stream']} | {res['rss_per_peer_kib']} KiB | "
        f"{lat.get('p50')} / {lat.get('p95')} / {lat.get('max')} ms |"
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rooms", type=int, default=10)
    ap.add_argument("--people", type=int, default=4, help="remote participants per room (besides its device)")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=4.0)
    ap.add_argument("--concurrency", type=int, default=5)
    ap.add_argument("--nice", type=int, default=-10, help="niceness of the media process and this one")
    asyncio.run(main(ap.parse_args()))
