"""Streaming export (docs/export.md) against the real backends with the
curated data: rows, records, chunked DataFrames and resume tokens, and the
CSV of `dyad export` read back into the same DataFrame."""

import os
import subprocess
import tempfile
import unittest

import harness
import dyad_client as dc

suite = harness.Suite()
DYAD = ["AZE", "CHN"]


def tearDownModule():
    suite.stop()


def _start(name):
    reason = harness.skip_reason(name)
    if reason:
        raise unittest.SkipTest(reason)
    if name not in suite.servers:
        suite.start_backend(name)
    return suite.target(name)


def _cli():
    path = harness.BUILD / "bin" / "dyad"
    return path if path.is_file() and os.access(path, os.X_OK) else None


class ExportEventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.target = _start("events")
        cls.dyad = dc.connect(events=cls.target, timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.dyad.close()

    def test_rows_are_the_list_methods_frame(self):
        export = self.dyad.export_events(countries=DYAD)
        rows = list(export)
        listed = self.dyad.iter_events(countries=DYAD, page_size=500).to_dataframe()
        self.assertGreater(len(rows), 20)
        self.assertEqual([r["name"] for r in rows], list(listed["name"]))
        self.assertEqual(list(rows[0].keys()), list(listed.columns))
        self.assertEqual(export.estimated_total, len(rows))
        self.assertEqual(export.rows, len(rows))
        self.assertTrue(export.resume_token)
        # The export's frame equals the List pages' frame.
        import pandas
        pandas.testing.assert_frame_equal(self.dyad.export_events_dataframe(countries=DYAD), listed)

    def test_records_dataframes_and_filters(self):
        records = list(self.dyad.export_events(countries=DYAD, period=(2015, 2016)).records())
        self.assertTrue(records)
        self.assertTrue(all(isinstance(e, dc.pb.event.Event) for e in records))
        want = [e.name for e in self.dyad.iter_events(countries=DYAD, period=(2015, 2016))]
        self.assertEqual([e.name for e in records], want)
        frames = list(self.dyad.export_events(countries=DYAD).dataframes(7))
        self.assertGreater(len(frames), 1)
        self.assertTrue(all(len(f) <= 7 for f in frames))

    def test_resume_token_after_the_end_gives_nothing(self):
        export = self.dyad.export_events(countries=DYAD)
        n = len(list(export))
        again = self.dyad.export_events(countries=DYAD, resume_token=export.resume_token)
        self.assertEqual(list(again), [])
        self.assertEqual(again.estimated_total, n)

    def test_token_of_other_filters_is_invalid_argument(self):
        export = self.dyad.export_events(countries=DYAD)
        list(export)
        with self.assertRaises(dc.DyadError) as e:
            list(self.dyad.export_events(countries=["AZE"], resume_token=export.resume_token))
        self.assertIn("resume_token", str(e.exception))
        self.assertEqual(e.exception.code().name, "INVALID_ARGUMENT")

    @unittest.skipIf(_cli() is None, "build/bin/dyad is not built")
    def test_cli_csv_reads_back_into_the_same_frame(self):
        import pandas
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "events.csv")
            subprocess.run([str(_cli()), "--events", self.target, "export", "events",
                            "--countries", "AZE,CHN", "--out", out], check=True,
                           stderr=subprocess.PIPE, timeout=60)
            from_csv = dc.read_export_csv(out)
        pandas.testing.assert_frame_equal(from_csv, self.dyad.export_events_dataframe(countries=DYAD))


class ExportOtherRecordsTest(unittest.TestCase):
    def test_observations_and_institutions(self):
        with dc.connect(economics=_start("economics"), institutions=_start("institutions"),
                        timeout=10) as dyad:
            obs = dyad.export_observations_dataframe(countries=DYAD)
            listed = dyad.iter_observations(countries=DYAD, page_size=500).to_dataframe()
            self.assertGreater(len(obs), 4)
            self.assertEqual(list(obs["name"]), list(listed["name"]))
            inst = dyad.export_institutions(countries=DYAD)
            names = [r["name"] for r in inst]
            self.assertEqual(names, [i.name for i in dyad.iter_institutions(countries=DYAD)])
            self.assertEqual(inst.estimated_total, len(names))


if __name__ == "__main__":
    unittest.main()
