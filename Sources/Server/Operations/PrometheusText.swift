/// Prometheus text exposition format 0.0.4: `# HELP`, `# TYPE`, then `name{label="value"} number` lines.
/// Label values escape `\`, `"` and newline; help text escapes `\` and newline.
struct PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private(set) var text = ""

    mutating func family(_ name: String, type: String, help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Double) {
        sampleLine(name, labels, Self.number(value))
    }

    mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: UInt64) {
        sampleLine(name, labels, String(value))
    }

    /// `_bucket` lines (cumulative, ending with `le="+Inf"`), then `_sum` and `_count`.
    mutating func histogram(_ name: String, help: String, _ snapshot: Histogram.Snapshot) {
        family(name, type: "histogram", help: help)
        var cumulative: UInt64 = 0
        for (bound, count) in zip(snapshot.bounds, snapshot.counts) {
            cumulative += count
            sample(name + "_bucket", labels: [("le", Self.number(bound))], cumulative)
        }
        sample(name + "_bucket", labels: [("le", "+Inf")], snapshot.count)
        sample(name + "_sum", snapshot.sum)
        sample(name + "_count", snapshot.count)
    }

    private mutating func sampleLine(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, (label, labelValue)) in labels.enumerated() {
                if index > 0 { text += "," }
                text += label + "=\"" + Self.escapeLabelValue(labelValue) + "\""
            }
            text += "}"
        }
        text += " " + value + "\n"
    }

    static func escapeLabelValue(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ help: String) -> String {
        var out = ""
        for character in help {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Go's `ParseFloat` spellings: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
