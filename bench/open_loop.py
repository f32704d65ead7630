"""An open-loop load generator: requests are sent at a fixed rate whatever the server does,
and each one's latency is counted from the moment it was *scheduled* to be sent, so a server
that falls behind is charged for the queue it built (coordinated omission corrected — what
wrk2 does; wrk's closed loop waits for an answer before the next request and hides it).

asyncio over raw keep-alive sockets: a request whose moment has come takes an idle
connection or opens one (up to ``max_connections``, then it waits for one — and that wait
is part of its latency); a reused connection the server has closed meanwhile (its
keep-alive ran out) is replaced once, as a browser would. A request not answered within
``timeout`` of its scheduled moment counts as an error, not a latency.
"""
import asyncio
import time
from collections import Counter


async def _read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length and status not in (204, 304):
        await reader.readexactly(length)
    return status


def _percentile(ordered, share):
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _run(host, port, path, headers, rate, duration, max_connections, timeout):
    request = (f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    loop = asyncio.get_running_loop()
    # Idle connections, newest on top; None stands for a free slot (a connection may be opened).
    idle = asyncio.LifoQueue()
    for _ in range(max_connections):
        idle.put_nowait(None)
    opened, peak = [0], [0]
    latencies, statuses, errors = [], Counter(), Counter()

    async def exchange(conn):
        conn[1].write(request)
        return await _read_response(conn[0])

    async def connect():
        conn = await asyncio.open_connection(host, port)
        opened[0] += 1
        peak[0] = max(peak[0], opened[0])
        return conn

    def close(conn):
        opened[0] -= 1
        conn[1].close()

    async def one(scheduled):
        conn, took = None, False
        try:
            async with asyncio.timeout(timeout - (loop.time() - scheduled)):
                conn = await idle.get()  # waits when every connection is busy: the wait is counted
                took = True
                if conn is not None:
                    try:
                        status = await exchange(conn)
                    except (asyncio.IncompleteReadError, ConnectionError):
                        close(conn)  # the server ended this keep-alive connection: once more on a new one
                        conn = None
                if conn is None:
                    conn = await connect()
                    status = await exchange(conn)
        except TimeoutError:
            errors["timeout"] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            errors[type(error).__name__] += 1
        else:
            latencies.append(loop.time() - scheduled)
            statuses[status] += 1
            idle.put_nowait(conn)
            return
        if conn is not None:
            close(conn)
        if took:
            idle.put_nowait(None)  # its slot is free again

    total = int(rate * duration)
    start = loop.time() + 0.1
    tasks = []
    started = time.monotonic()
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(scheduled)))
    sent_seconds = loop.time() - start
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    while not idle.empty():
        conn = idle.get_nowait()
        if conn is not None:
            conn[1].close()
    ordered = sorted(latencies)
    ms = lambda seconds: None if seconds is None else round(seconds * 1000, 2)  # noqa: E731
    return {
        "offered_rps": rate, "duration_s": duration, "scheduled": total, "answered": len(latencies),
        "send_lag_s": round(max(0.0, sent_seconds - duration), 3),  # > 0: the generator itself fell behind
        "achieved_rps": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": ms(_percentile(ordered, 0.50)), "p99_ms": ms(_percentile(ordered, 0.99)),
        "p999_ms": ms(_percentile(ordered, 0.999)), "max_ms": ms(ordered[-1] if ordered else None),
        "statuses": {str(code): n for code, n in sorted(statuses.items())},
        "status_5xx": sum(n for code, n in statuses.items() if code >= 500),
        "errors": dict(errors), "errors_total": sum(errors.values()), "connections_peak": peak[0],
    }


def run_open_loop(port, path, headers, *, rate, duration, host="127.0.0.1", max_connections=1000, timeout=2.0):
    """Send ``GET path`` at ``rate`` requests/s for ``duration`` seconds; latencies from the schedule."""
    return asyncio.run(_run(host, port, path, headers, rate, duration, max_connections, timeout))
