"""dyad_client.aio (grpc.aio) against the real gateway and backends."""

import asyncio
import math
import socket
import time
import unittest

import grpc
import grpc.aio

import harness
import dyad_client as dc

suite = harness.Suite()
DYAD = ["AZE", "CHN"]


def setUpModule():
    reason = harness.skip_reason("gateway", *harness.BACKENDS)
    if reason:
        raise unittest.SkipTest("async tests: " + reason)
    try:
        suite.start_all()
    except BaseException:
        suite.stop()
        raise


def tearDownModule():
    suite.stop()


def connect(**kw):
    return dc.aio.connect(suite.target("gateway"), events=suite.target("events"),
                          economics=suite.target("economics"),
                          institutions=suite.target("institutions"), **kw)


class AsyncClientTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        # IsolatedAsyncioTestCase runs the loop in debug mode, which reports
        # every step over 0.1 s; servers on a busy machine take that long.
        asyncio.get_running_loop().slow_callback_duration = 10
        self.dyad = connect(timeout=15)
        self.sync = dc.connect(suite.target("gateway"), events=suite.target("events"),
                               economics=suite.target("economics"),
                               institutions=suite.target("institutions"), timeout=15)

    async def asyncTearDown(self):
        await self.dyad.close()
        self.sync.close()

    async def test_health_of_every_part(self):
        await self.dyad.wait_ready(10, parts=["gateway", "events"])
        for service in ["dyad.gateway.v1.RelationsGateway", "dyad.events.v1.EventService",
                        "dyad.economics.v1.EconomicsService",
                        "dyad.institutions.v1.InstitutionService"]:
            self.assertEqual(await self.dyad.health(service), "SERVING", service)

    async def test_year_in_review_same_as_sync(self):
        req = dc.pb.gateway.GetYearInReviewRequest(countries=DYAD, year=2019)
        got = await self.dyad.gateway.GetYearInReview(req)
        self.assertIsInstance(got, dc.pb.gateway.GetYearInReviewResponse)
        self.assertEqual(got.year, 2019)
        self.assertEqual({p.part: p.code for p in got.parts},
                         {"events": "OK", "economics": "OK", "institutions": "OK"})
        want = self.sync.gateway.GetYearInReview(req)
        self.assertEqual([e.name for e in got.events], [e.name for e in want.events])

    async def test_calls_run_concurrently(self):
        years = list(range(2010, 2020))
        replies = await asyncio.gather(*(
            self.dyad.gateway.GetYearInReview(
                dc.pb.gateway.GetYearInReviewRequest(countries=DYAD, year=y)) for y in years))
        self.assertEqual([r.year for r in replies], years)

    async def test_async_pages_follow_tokens(self):
        everything = self.sync.events.ListEvents(
            dc.pb.events.ListEventsRequest(countries=DYAD, page_size=500))
        pages = self.dyad.iter_events(countries=DYAD, page_size=3)
        names = [e.name async for e in pages]
        self.assertEqual(names, [e.name for e in everything.events])
        self.assertEqual(pages.total_size, everything.total_size)
        self.assertEqual(pages.pages, math.ceil(everything.total_size / 3))

        timeline = self.dyad.iter_timeline(countries=DYAD, period=(2015, 2016), page_size=4)
        entries = await timeline.all()
        self.assertTrue(entries)
        self.assertEqual({p.code for p in timeline.parts}, {"OK"})
        inst = await self.dyad.iter_institutions(countries=DYAD, page_size=2).all()
        self.assertEqual([i.name for i in inst],
                         [i.name for i in self.sync.iter_institutions(countries=DYAD)])

    async def test_errors_are_dyad_errors_and_rpc_errors(self):
        with self.assertRaises(dc.DyadError) as cm:
            await self.dyad.events.ListEvents(dc.pb.events.ListEventsRequest(page_size=-1))
        err = cm.exception
        self.assertIsInstance(err, grpc.RpcError)
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("page_size", err.details())
        self.assertEqual(err.method, "/dyad.events.v1.EventService/ListEvents")
        self.assertIsInstance(err.__cause__, grpc.aio.AioRpcError)

        with self.assertRaises(dc.DyadError) as cm:
            await self.dyad.events.GetEvent(dc.pb.events.GetEventRequest(name="events/nope"))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(dc.DyadError) as cm:
            await self.dyad.health("no.such.Service", part="events")
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)

    async def test_call_object_keeps_grpc_aio_features(self):
        call = self.dyad.events.ListEventKinds(dc.pb.events.ListEventKindsRequest())
        reply = await call
        self.assertTrue(reply.kinds)
        self.assertEqual(await call.code(), grpc.StatusCode.OK)

    async def test_default_deadline_and_unavailable(self):
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            async with dc.aio.connect(f"127.0.0.1:{silent.getsockname()[1]}", timeout=0.3) as dyad:
                start = time.monotonic()
                with self.assertRaises(dc.DyadError) as cm:
                    await dyad.events.ListEvents(dc.pb.events.ListEventsRequest())
                self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
                self.assertLess(time.monotonic() - start, 5)
        async with dc.aio.connect(f"127.0.0.1:{harness.unused_port()}", timeout=5) as dyad:
            with self.assertRaises(dc.DyadError) as cm:
                await dyad.gateway.ListSources(dc.pb.gateway.ListSourcesRequest())
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)
            with self.assertRaises(dc.DyadError) as cm:
                await dyad.wait_ready(0.2)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)

    async def test_dataframe_from_async_pages(self):
        try:
            import pandas  # noqa: F401
        except ImportError:
            self.fail("pandas missing: apt-get install python3-pandas (scripts/install-deps.sh)")
        df = await self.dyad.iter_observations(indicator="trade.turnover", countries=DYAD).to_dataframe()
        want = list(self.sync.iter_observations(indicator="trade.turnover", countries=DYAD))
        self.assertEqual(list(df["name"]), [o.name for o in want])
        self.assertEqual(list(df["value"]), [o.value.value for o in want])

        timeline = self.dyad.iter_timeline(countries=DYAD, period=(2015, 2016), page_size=5)
        tf = await timeline.to_dataframe()
        entries = await self.dyad.iter_timeline(countries=DYAD, period=(2015, 2016)).all()
        self.assertEqual(len(tf), len(entries))
        self.assertEqual(list(tf["record_type"]), [t.WhichOneof("record") for t in entries])
        self.assertLessEqual(set(tf["record_type"]), {"event", "institution", "observation"})
        self.assertTrue((tf["date_start"] <= tf["date_end"]).all())


if __name__ == "__main__":
    unittest.main()
