import Foundation
@testable import Server
import Testing

/// The Prometheus text format as `/metrics` writes it, checked by hand and by the reference parser.
@Suite struct MetricsTests {
    @Test func labelValuesAndHelpAreEscaped() {
        var text = PrometheusText()
        text.family("numninja_test", type: "gauge", help: "back\\slash and\nnewline")
        text.sample("numninja_test", labels: [("path", "a\"b\\c\nd"), ("plain", "x")], 1.5)
        #expect(text.text == """
            # HELP numninja_test back\\\\slash and\\nnewline
            # TYPE numninja_test gauge
            numninja_test{path="a\\"b\\\\c\\nd",plain="x"} 1.5

            """)
    }

    @Test func numbersUseTheSpellingsPrometheusParses() {
        #expect(PrometheusText.number(3) == "3")
        #expect(PrometheusText.number(0.25) == "0.25")
        #expect(PrometheusText.number(.infinity) == "+Inf")
        #expect(PrometheusText.number(-.infinity) == "-Inf")
        #expect(PrometheusText.number(.nan) == "NaN")
    }

    @Test func histogramsHaveCumulativeBucketsSumAndCount() {
        let histogram = Histogram(bounds: [0.1, 1])
        for value in [0.05, 0.1, 0.5, 5] { histogram.observe(value) }
        var text = PrometheusText()
        text.histogram("numninja_h", help: "h", histogram.snapshot)
        #expect(text.text == """
            # HELP numninja_h h
            # TYPE numninja_h histogram
            numninja_h_bucket{le="0.1"} 2
            numninja_h_bucket{le="1"} 3
            numninja_h_bucket{le="+Inf"} 4
            numninja_h_sum 5.65
            numninja_h_count 4

            """)
    }

    @Test func webhookOutcomesCountAndOnlyDurableOnesAreTimed() {
        let metrics = Metrics()
        let received = Metrics.now()
        metrics.webhook(source: .stripe, outcome: .accepted, receivedAt: received)
        metrics.webhook(source: .stripe, ingested: .duplicate, receivedAt: received)
        metrics.webhook(source: .stripe, outcome: .rejected, receivedAt: received)
        metrics.webhook(source: .cdr, outcome: .parked, receivedAt: nil, count: 7)
        #expect(metrics.webhookCount(source: .stripe, outcome: .accepted) == 1)
        #expect(metrics.webhookCount(source: .stripe, outcome: .duplicate) == 1)
        #expect(metrics.webhookCount(source: .cdr, outcome: .parked) == 7)
        #expect(metrics.ingestLatency.snapshot.count == 2)
        let text = metrics.render(engine: nil)
        #expect(text.contains("numninja_webhooks_total{source=\"stripe\",outcome=\"rejected\"} 1\n"))
        #expect(text.contains("numninja_webhooks_total{source=\"voice\",outcome=\"unavailable\"} 0\n"))
        #expect(text.contains("numninja_ready 0\n"))
    }

    @Test func everyContractNameIsExposed() {
        let metrics = Metrics()
        metrics.journalBatch(records: 3, syncSeconds: 0.0002)
        metrics.httpRequest(status: 200)
        var gauges = EngineGauges()
        gauges.numbersByState[.active] = 2
        let text = metrics.render(engine: gauges)
        for name in ["numninja_webhooks_total", "numninja_ingest_latency_seconds_bucket", "numninja_journal_fsync_seconds_count",
                     "numninja_journal_batch_records_sum", "numninja_numbers{state=\"active\"} 2", "numninja_outbox_pending",
                     "numninja_snapshot_last_seconds", "numninja_http_requests_total{status=\"200\"} 1",
                     "numninja_unroutable_parked", "numninja_dedupe_evicted_early_total", "numninja_sse_clients", "numninja_ready 1"] {
            #expect(text.contains(name), "\(name) missing")
        }
    }

    @Test func theReferenceParserReadsAFullScrape() throws {
        let metrics = Metrics()
        metrics.webhook(source: .didww, outcome: .accepted, receivedAt: Metrics.now())
        metrics.journalBatch(records: 12, syncSeconds: 0.003)
        metrics.httpRequest(status: 503)
        var text = metrics.render(engine: EngineGauges())
        // A label value with every character that needs escaping.
        text += "# HELP numninja_escape_test e\n# TYPE numninja_escape_test gauge\n"
        text += "numninja_escape_test{v=\"\(PrometheusText.escapeLabelValue("q\"b\\n\nz"))\"} 1\n"
        let samples = try PrometheusParser.parse(text)
        #expect(samples["numninja_webhooks_total|outcome=accepted,source=didww"] == 1)
        #expect(samples["numninja_journal_batch_records_bucket|le=16"] == 1)
        #expect(samples["numninja_journal_batch_records_count"] == 1)
        #expect(samples["numninja_http_requests_total|status=503"] == 1)
        #expect(samples["numninja_escape_test|v=q\"b\\n\nz"] == 1)
    }
}

/// `prometheus_client.parser` (the reference Python implementation), run on a scrape: every sample as
/// `name|label=value,...` (labels sorted) → value. Fails when the text does not parse.
enum PrometheusParser {
    static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = {}
        for family in text_string_to_metric_families(sys.stdin.read()):
            for s in family.samples:
                key = s.name + ("|" + ",".join(k + "=" + v for k, v in sorted(s.labels.items())) if s.labels else "")
                out[key] = s.value
        print(json.dumps(out))
        """

    static func parse(_ text: String) throws -> [String: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ClientError("prometheus_client could not parse the scrape (is the prometheus-client package installed?): \(log)")
        }
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Double]
        return try #require(object)
    }
}
