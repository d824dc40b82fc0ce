"""The client against a real dyad-events server (started on a free port)."""

import datetime
import math
import os
import socket
import time
import unittest
from unittest import mock

import grpc

import harness
import dyad_client as dc

suite = harness.Suite()


def setUpModule():
    reason = harness.skip_reason("events")
    if reason:
        raise unittest.SkipTest(reason)
    suite.start_backend("events")


def tearDownModule():
    suite.stop()


class EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dyad = dc.connect(suite.target("events"), timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.dyad.close()

    def test_connect_and_health(self):
        self.dyad.wait_ready(10, parts=["events"])
        self.assertEqual(self.dyad.health("dyad.events.v1.EventService"), "SERVING")
        self.assertEqual(self.dyad.health("", part="events"), "SERVING")
        with self.assertRaises(dc.DyadError) as cm:
            self.dyad.health("no.such.Service", part="events")
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_connect_reads_dyad_target(self):
        with mock.patch.dict(os.environ, {"DYAD_TARGET": suite.target("events")}):
            with dc.connect() as dyad:
                self.assertEqual(dyad.targets["gateway"], suite.target("events"))
                self.assertEqual(dyad.targets["events"], suite.target("events"))
                kinds = dyad.events.ListEventKinds(dc.pb.events.ListEventKindsRequest())
                self.assertTrue(kinds.kinds)

    def test_connect_default_target(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("DYAD_TARGET", None)
            with dc.connect() as dyad:
                self.assertEqual(dyad.targets["gateway"], "127.0.0.1:50050")

    def test_list_events_paginated_by_two(self):
        everything = self.dyad.events.ListEvents(
            dc.pb.events.ListEventsRequest(countries=["AZE", "CHN"], page_size=500))
        self.assertGreater(everything.total_size, 4, "want several pages of 2")
        self.assertFalse(everything.next_page_token)

        pages = self.dyad.iter_events(countries=["AZE", "CHN"], page_size=2)
        names = [e.name for e in pages]
        self.assertEqual(names, [e.name for e in everything.events])
        self.assertEqual(len(names), everything.total_size)
        self.assertEqual(pages.total_size, everything.total_size)
        self.assertEqual(pages.pages, math.ceil(everything.total_size / 2))
        self.assertEqual(len(set(names)), len(names), "no event twice")

    def test_raw_pages_follow_tokens(self):
        req = dc.pb.events.ListEventsRequest(countries=["AZE", "CHN"], page_size=2)
        first = self.dyad.events.ListEvents(req)
        self.assertEqual(len(first.events), 2)
        self.assertTrue(first.next_page_token)
        req.page_token = first.next_page_token
        second = self.dyad.events.ListEvents(req)
        self.assertEqual(len(second.events), 2)
        self.assertNotEqual(first.events[0].name, second.events[0].name)

    def test_events_of_2015_with_citations_in_order(self):
        events = list(self.dyad.iter_events(countries=["AZE", "CHN"], period=2015, page_size=2))
        self.assertTrue(events, "the curated data has AZE-CHN events in 2015")
        for e in events:
            self.assertTrue(e.citations, e.name)
            self.assertTrue(e.name.startswith("events/"))
            first = dc.date_span(e.date)[0]
            last = dc.date_span(e.end_date if e.end_date.year else e.date)[1]
            self.assertLessEqual(first, datetime.date(2015, 12, 31), e.name)
            self.assertGreaterEqual(last, datetime.date(2015, 1, 1), e.name)
            self.assertIn("AZE", e.countries)
            self.assertIn("CHN", e.countries)
        keys = [dc.sort_key(e.date) for e in events]
        self.assertEqual(keys, sorted(keys), "oldest first, less precise first")

    def test_period_forms_agree(self):
        a = [e.name for e in self.dyad.iter_events(countries=["AZE", "CHN"], period=2015)]
        b = [e.name for e in self.dyad.iter_events(countries=["AZE", "CHN"],
                                                   period=("2015-01-01", "2015-12-31"))]
        c = [e.name for e in self.dyad.iter_events(countries=["AZE", "CHN"],
                                                   period=dc.date_range(2015, 2015))]
        self.assertEqual(a, b)
        self.assertEqual(a, c)

    def test_request_and_filters_are_exclusive(self):
        with self.assertRaises(TypeError):
            self.dyad.iter_events(request=dc.pb.events.ListEventsRequest(), countries=["AZE"])

    def test_get_event_round_trip_and_not_found(self):
        first = next(iter(self.dyad.iter_events(countries=["AZE", "CHN"], page_size=1)))
        got = self.dyad.events.GetEvent(dc.pb.events.GetEventRequest(name=first.name))
        self.assertEqual(got, first)
        with self.assertRaises(dc.DyadError) as cm:
            self.dyad.events.GetEvent(dc.pb.events.GetEventRequest(name="events/no-such-event"))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(cm.exception.code_name, "NOT_FOUND")

    def test_negative_page_size_is_invalid_argument(self):
        with self.assertRaises(dc.DyadError) as cm:
            self.dyad.events.ListEvents(dc.pb.events.ListEventsRequest(page_size=-1))
        err = cm.exception
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("page_size", err.message)
        self.assertEqual(err.method, "/dyad.events.v1.EventService/ListEvents")
        self.assertIsInstance(err.__cause__, grpc.RpcError)
        self.assertTrue(str(err).startswith("INVALID_ARGUMENT: "))
        # Through the iterator as well, on the first page.
        with self.assertRaises(dc.DyadError) as cm:
            list(self.dyad.iter_events(page_size=-1))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_error_from_with_call_and_future(self):
        req = dc.pb.events.ListEventsRequest(page_size=-1)
        with self.assertRaises(dc.DyadError):
            self.dyad.events.ListEvents.with_call(req)
        fut = self.dyad.events.ListEvents.future(req)
        self.assertIsInstance(fut.exception(), dc.DyadError)
        with self.assertRaises(dc.DyadError):
            fut.result()

    def test_bad_page_token_is_invalid_argument(self):
        with self.assertRaises(dc.DyadError) as cm:
            self.dyad.events.ListEvents(dc.pb.events.ListEventsRequest(page_token="garbage"))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_write_without_token_is_refused(self):
        ev = dc.pb.event.Event(kind="diplomacy.visit", title="t", countries=["AZE"],
                               date=dc.pb.type_date.PartialDate(year=2020))
        with self.assertRaises(dc.DyadError) as cm:
            self.dyad.events.CreateEvent(dc.pb.events.CreateEventRequest(event=ev))
        self.assertIn(cm.exception.code(), (grpc.StatusCode.UNAUTHENTICATED,
                                          grpc.StatusCode.PERMISSION_DENIED))

    def test_unreachable_is_unavailable(self):
        with dc.connect(f"127.0.0.1:{harness.unused_port()}", timeout=5) as dyad:
            with self.assertRaises(dc.DyadError) as cm:
                dyad.events.ListEventKinds(dc.pb.events.ListEventKindsRequest())
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)

    def test_default_deadline_applies(self):
        # A listener that accepts connections and never answers: without a
        # deadline the call would hang; with the client's default it fails.
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            target = f"127.0.0.1:{silent.getsockname()[1]}"
            with dc.connect(target, timeout=0.3) as dyad:
                start = time.monotonic()
                with self.assertRaises(dc.DyadError) as cm:
                    dyad.events.ListEvents(dc.pb.events.ListEventsRequest())
                self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
                self.assertLess(time.monotonic() - start, 5)
                # A call's own timeout wins over the default.
                with self.assertRaises(dc.DyadError) as cm:
                    dyad.events.ListEvents(dc.pb.events.ListEventsRequest(), timeout=0.1)
                self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)


class WriteTest(unittest.TestCase):
    """connect(token=...) sends the bearer token on every call."""

    TOKEN = "client-test-token"

    @classmethod
    def setUpClass(cls):
        cls.suite = harness.Suite()
        cls.suite.start_backend("events", env={"DYAD_WRITE_TOKEN": cls.TOKEN})

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def _event(self):
        return dc.pb.event.Event(
            kind="diplomacy.visit", title="Client test visit", countries=["AZE", "CHN"],
            date=dc.from_date(datetime.date(2021, 5, 17), "month"),
            participants=[dc.pb.type_actor.Participant(name="A. Visitor", role="delegation head",
                                                       country="AZE")],
            citations=[dc.pb.type_citation.Citation(source_id="jafarli", locator="p1")])

    def test_create_with_token(self):
        with dc.connect(self.suite.target("events"), token=self.TOKEN) as dyad:
            kinds = [k.id for k in dyad.events.ListEventKinds(dc.pb.events.ListEventKindsRequest()).kinds]
            ev = self._event()
            ev.kind = next(k for k in kinds if k.startswith("diplomacy.visit"))
            made = dyad.events.CreateEvent(dc.pb.events.CreateEventRequest(event=ev, event_id="client-test"))
            self.assertEqual(made.name, "events/client-test")
            self.assertEqual(made.date, dc.pb.type_date.PartialDate(year=2021, month=5))
            found = [e.name for e in dyad.iter_events(countries=["AZE", "CHN"], period="2021-05-03")]
            self.assertIn("events/client-test", found, "a month-precise date overlaps a day in it")
            with self.assertRaises(dc.DyadError) as cm:
                dyad.events.CreateEvent(dc.pb.events.CreateEventRequest(event=ev, event_id="client-test"))
            self.assertEqual(cm.exception.code(), grpc.StatusCode.ALREADY_EXISTS)

    def test_wrong_token_is_unauthenticated(self):
        with dc.connect(self.suite.target("events"), token="wrong") as dyad:
            with self.assertRaises(dc.DyadError) as cm:
                dyad.events.CreateEvent(dc.pb.events.CreateEventRequest(event=self._event()))
            self.assertIn(cm.exception.code(), (grpc.StatusCode.UNAUTHENTICATED,
                                              grpc.StatusCode.PERMISSION_DENIED))


if __name__ == "__main__":
    unittest.main()
