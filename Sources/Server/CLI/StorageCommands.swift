import Snapshot

/// `numninja journal verify|dump` and `numninja snapshot inspect`: read-only tools over a data directory.
/// They take no lock, so they can look at the directory of a running server.
enum StorageCommands {
    static let journalHelp = """
        usage: numninja journal verify --data-dir DIR
               numninja journal dump --data-dir DIR [--from SEQ]

        verify  checks every record (frame, CRC32C, sequence continuity); exit 0 when intact,
                1 with the file and byte offset of the first problem otherwise.
        dump    prints records as JSON lines: sequence, time, kind, size, and the payload as
                UTF-8 ("payload") or base64 ("payload_base64").
        """

    static let snapshotHelp = """
        usage: numninja snapshot inspect FILE [--dump]

        Verifies a snapshot file (header, LZ4 block and content checksums, entity count) and prints its
        header as one JSON line; --dump also prints every entity as a JSON line.
        """

    static func journal(_ arguments: ArraySlice<String>) throws -> Int32 {
        guard let verb = arguments.first, verb != "--help", verb != "-h" else {
            Output.standardOutput.line(journalHelp)
            return arguments.isEmpty ? 2 : 0
        }
        switch verb {
        case "verify":
            let args = try Arguments(arguments.dropFirst(), valueFlags: ["data-dir"])
            if args.wantsHelp { Output.standardOutput.line(journalHelp); return 0 }
            try noPositional(args)
            return try verify(dataDirectory: DataDirectory(try args.required("data-dir")))
        case "dump":
            let args = try Arguments(arguments.dropFirst(), valueFlags: ["data-dir", "from"])
            if args.wantsHelp { Output.standardOutput.line(journalHelp); return 0 }
            try noPositional(args)
            return try dump(dataDirectory: DataDirectory(try args.required("data-dir")), from: try args.unsigned("from") ?? 0)
        default:
            throw UsageError("unknown journal command '\(verb)' (verify, dump)")
        }
    }

    static func noPositional(_ args: Arguments) throws {
        if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    }

    static func requireDirectory(_ data: DataDirectory) throws {
        guard FileSystem.isDirectory(data.journalPath) else {
            throw UsageError("no journal at \(data.journalPath)")
        }
    }

    static func verify(dataDirectory data: DataDirectory) throws -> Int32 {
        try requireDirectory(data)
        let result = try JournalDirectory.verify(data.journalPath)
        var json = JSONObject()
        json.set("intact", result.isIntact)
        json.set("segments", result.segments)
        json.set("records", result.records)
        json.set("bytes", result.bytes)
        json.set("first_sequence", result.firstSequence)
        json.set("last_sequence", result.lastSequence)
        if let problem = result.problem {
            json.set("file", problem.file)
            json.set("offset", problem.offset)
            json.set("reason", problem.reason)
            json.set("torn_tail", problem.isTornTail)
        }
        Output.standardOutput.line(json.string)
        Output.standardOutput.flush()
        if let problem = result.problem {
            Output.standardError.line("journal verify: \(problem)")
            Output.standardError.flush()
            return 1
        }
        return 0
    }

    static func dump(dataDirectory data: DataDirectory, from: UInt64) throws -> Int32 {
        try requireDirectory(data)
        let out = Output.standardOutput
        let result = try JournalDirectory.read(data.journalPath, from: from) { record in
            out.line(recordJSON(record))
        }
        out.flush()
        if let problem = result.problem {
            Output.standardError.line("journal dump: stopped at \(problem)")
            Output.standardError.flush()
            return 1
        }
        return 0
    }

    static func recordJSON(_ record: JournalRecordView) -> String {
        var json = JSONObject()
        json.set("sequence", record.sequence)
        json.set("time", JSONText.timestamp(nanos: record.time))
        json.set("time_ns", record.time)
        json.set("kind", record.kind)
        json.set("size", record.payload.count)
        setPayload(&json, record.payload)
        return json.string
    }

    /// `payload` when the bytes are valid UTF-8, `payload_base64` otherwise.
    static func setPayload(_ json: inout JSONObject, _ bytes: UnsafeRawBufferPointer) {
        if let text = String(validating: bytes, as: UTF8.self) {
            json.set("payload", text)
        } else {
            json.set("payload_base64", Base64.encode(bytes))
        }
    }

    static func snapshot(_ arguments: ArraySlice<String>) throws -> Int32 {
        guard let verb = arguments.first, verb != "--help", verb != "-h" else {
            Output.standardOutput.line(snapshotHelp)
            return arguments.isEmpty ? 2 : 0
        }
        guard verb == "inspect" else { throw UsageError("unknown snapshot command '\(verb)' (inspect)") }
        let args = try Arguments(arguments.dropFirst(), valueFlags: [], switchFlags: ["dump"])
        if args.wantsHelp { Output.standardOutput.line(snapshotHelp); return 0 }
        guard args.positional.count == 1 else { throw UsageError("snapshot inspect takes exactly one FILE") }
        let path = args.positional[0]
        guard FileSystem.exists(path) else { throw UsageError("no such file: \(path)") }
        let reader = try SnapshotReader(path: path)
        let out = Output.standardOutput
        func headerJSON(uncompressed: Int?) -> String {
            var json = JSONObject()
            json.set("file", path)
            json.set("format_version", SnapshotFormat.version)
            json.set("sequence", reader.header.sequence)
            json.set("entities", reader.header.entityCount)
            json.set("created", JSONText.timestamp(nanos: reader.header.createdNanos))
            json.set("bytes", reader.fileBytes)
            if let uncompressed { json.set("uncompressed_bytes", uncompressed) }
            return json.string
        }
        guard args.switches.contains("dump") else {
            let summary = try reader.readEntities { _ in }
            out.line(headerJSON(uncompressed: summary.uncompressedBytes))
            out.flush()
            return 0
        }
        // Header first, then one line per entity; a damaged body ends with an error and exit 1.
        out.line(headerJSON(uncompressed: nil))
        try reader.readEntities { entity in
            var json = JSONObject()
            json.set("kind", entity.kind)
            json.set("sequence", entity.sequence)
            json.set("size", entity.payload.count)
            setPayload(&json, entity.payload)
            out.line(json.string)
        }
        out.flush()
        return 0
    }
}
