/// Outbox and history layouts (docs/domain-formats.md §Outbox, §History).
extension OutboxEntry: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.write(effect)
        switch status {
        case .pending: writer.u8(0)
        case .failed(let details): writer.u8(1); writer.string(details)
        }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let effect: Effect = try reader.read()
        let (tag, at) = try reader.tag()
        switch tag {
        case 0: self.init(effect: effect)
        case 1: self.init(effect: effect, status: .failed(details: try reader.string()))
        default: throw .invalidTag(type: "OutboxEntry.Status", tag: tag, offset: at)
        }
    }
}

extension Effect: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.write(id)
        writer.write(action)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(id: try reader.read(), action: try reader.read())
    }
}

extension EffectAction: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        switch self {
        case .provisionNumber(let sku, let available, let e164):
            writer.u8(1); writer.string(sku); writer.optionalString(available); writer.string(e164)
        case .assignRouting(let did):
            writer.u8(2); writer.string(did)
        case .releaseNumber(let did):
            writer.u8(3); writer.string(did)
        case .cancelOrder(let order):
            writer.u8(4); writer.string(order)
        case .refundPayment(let intent, let charge):
            writer.u8(5); writer.optionalString(intent); writer.optionalString(charge)
        case .forwardSMS(let id, let from, let to, let text, let forward):
            writer.u8(6); writer.string(id); writer.string(from); writer.string(to); writer.string(text)
            writer.write(forward)
        case .notifyCustomer(let customer, let forward, let notification):
            writer.u8(7); writer.optionalString(customer); writer.write(forward); writer.write(notification)
        case .reportUsage(let customer, let subscription, let month, let meter, let quantity):
            writer.u8(8); writer.optionalString(customer); writer.optionalString(subscription)
            writer.write(month); writer.u8(meter.rawValue); writer.svarint(quantity)
        }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let (tag, at) = try reader.tag()
        switch tag {
        case 1:
            self = .provisionNumber(skuID: try reader.string(), availableDIDID: try reader.optionalString(),
                                    e164: try reader.string())
        case 2: self = .assignRouting(didID: try reader.string())
        case 3: self = .releaseNumber(didID: try reader.string())
        case 4: self = .cancelOrder(orderID: try reader.string())
        case 5: self = .refundPayment(paymentIntentID: try reader.optionalString(), chargeID: try reader.optionalString())
        case 6:
            self = .forwardSMS(smsID: try reader.string(), from: try reader.string(), to: try reader.string(),
                               text: try reader.string(), forward: try reader.read())
        case 7:
            self = .notifyCustomer(customer: try reader.optionalString(), forward: try reader.read(),
                                   notification: try reader.read())
        case 8:
            let customer = try reader.optionalString()
            let subscription = try reader.optionalString()
            let month: UsageMonth = try reader.read()
            let (meterTag, meterAt) = try reader.tag()
            guard let meter = UsageMeter(rawValue: meterTag) else {
                throw .invalidTag(type: "UsageMeter", tag: meterTag, offset: meterAt)
            }
            self = .reportUsage(customer: customer, subscriptionID: subscription, month: month, meter: meter,
                                quantity: try reader.svarint())
        default: throw .invalidTag(type: "EffectAction", tag: tag, offset: at)
        }
    }
}

extension CustomerNotification: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        switch self {
        case .stateChanged(let state, let reason):
            writer.u8(1); writer.write(state); writer.optionalString(reason)
        case .voicemail(let id, let from, let seconds, let url):
            writer.u8(2); writer.string(id); writer.string(from); writer.svarint(seconds); writer.string(url)
        case .paymentActionRequired(let url):
            writer.u8(3); writer.optionalString(url)
        case .trialWillEnd(let end):
            writer.u8(4); writer.optionalInt(end)
        }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let (tag, at) = try reader.tag()
        switch tag {
        case 1: self = .stateChanged(state: try reader.read(), reason: try reader.optionalString())
        case 2:
            self = .voicemail(voicemailID: try reader.string(), from: try reader.string(),
                              seconds: try reader.svarint(), recordingURL: try reader.string())
        case 3: self = .paymentActionRequired(hostedInvoiceURL: try reader.optionalString())
        case 4: self = .trialWillEnd(trialEnd: try reader.optionalInt())
        default: throw .invalidTag(type: "CustomerNotification", tag: tag, offset: at)
        }
    }
}

extension LifecycleState: DomainCodable {
    private static let tagOrder: [LifecycleState] = [.pending, .paid, .provisioning, .active, .suspended, .cancelled, .failed]

    func encode(to writer: inout DomainWriter) { writer.u8(UInt8(Self.tagOrder.firstIndex(of: self)!)) }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let (tag, at) = try reader.tag()
        guard Int(tag) < Self.tagOrder.count else { throw .invalidTag(type: "LifecycleState", tag: tag, offset: at) }
        self = Self.tagOrder[Int(tag)]
    }
}

extension NumberHistory: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.count(capacity)
        writer.count(eventCount)
        forEachEvent { writer.write($0) }
        writer.count(callCount)
        forEachCall { writer.write($0) }
        writer.count(smsCount)
        forEachSMS { writer.write($0) }
        writer.count(voicemailCount)
        forEachVoicemail { writer.write($0) }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let capacity = try reader.int(in: 1...NumberHistory.maximumCapacity, "NumberHistory.capacity")
        self.init(capacity: capacity)
        // Each ring sized exactly (a count beyond `capacity` keeps the newest), with spare room for the next
        // event after recovery, whatever its kind (`decodedSpareWords`). Traffic entries share the id string
        // of their event entry.
        let spare = Self.decodedSpareWords
        // One allocation at the final size: the entry counts are read ahead (a bad input is left for the
        // decoding below to report).
        var ahead = reader.lookahead
        if let slots = try? Self.regions(ahead: &ahead, capacity: capacity) { reserve(slots, spareWords: spare) }
        let events = try reader.count()
        if events > 0 { reserve(CompactEventEntry.self, events, spareWords: spare) }
        for _ in 0..<events { record(try reader.read() as CompactEventEntry) }
        let calls = try reader.count()
        reserve(CallHistoryEntry.self, calls, spareWords: spare)
        for _ in 0..<calls {
            var entry: CallHistoryEntry = try reader.read()
            entry.cdrID = sharedEventID(entry.cdrID, time: entry.time)
            record(entry)
        }
        let sms = try reader.count()
        reserve(SMSHistoryEntry.self, sms, spareWords: spare)
        for _ in 0..<sms {
            var entry: SMSHistoryEntry = try reader.read()
            entry.uuid = sharedEventID(entry.uuid, time: entry.time)
            record(entry)
        }
        let voicemails = try reader.count()
        reserve(VoicemailHistoryEntry.self, voicemails, spareWords: spare)
        for _ in 0..<voicemails {
            var entry: VoicemailHistoryEntry = try reader.read()
            entry.voicemailID = sharedEventID(entry.voicemailID, time: entry.time)
            record(entry)
        }
    }
}

extension NumberHistory {
    /// The slots each ring of an encoded history needs, read by stepping over its entries.
    static func regions(ahead reader: inout DomainReader, capacity: Int) throws(DomainCodecError) -> HistoryRegions {
        var slots = HistoryRegions()
        let events = try reader.count()
        for _ in 0..<events {
            try reader.skipVarint()
            try reader.skipVarint()
            try reader.skipVarint()
            try reader.skipString()
            try reader.skipString()
            if try reader.u8() != 0 { try reader.skipString() }
        }
        slots.event.slots = UInt16(min(events, capacity))
        let calls = try reader.count()
        for _ in 0..<calls {
            try reader.skipString()
            try reader.skipVarint()
            try reader.skipVarint()
            _ = try reader.u8()
            if try reader.u8() != 0 { try reader.skipString() }
        }
        slots.call.slots = UInt16(min(calls, capacity))
        let sms = try reader.count()
        for _ in 0..<sms {
            try reader.skipString()
            try reader.skipVarint()
            for _ in 0..<3 { try reader.skipString() }
        }
        slots.sms.slots = UInt16(min(sms, capacity))
        let voicemails = try reader.count()
        for _ in 0..<voicemails {
            try reader.skipString()
            try reader.skipVarint()
            try reader.skipString()
            try reader.skipVarint()
            try reader.skipString()
        }
        slots.voicemail.slots = UInt16(min(voicemails, capacity))
        return slots
    }
}

extension CompactEventEntry: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.uvarint(version)
        writer.uvarint(sequence)
        writer.svarint(time)
        writer.string(kindName)
        writer.string(eventID)
        switch outcome {
        case 0: writer.u8(0)
        case Self.customOutcome: writer.u8(1); writer.string(text!.reason!)
        default: writer.u8(1); writer.string(IgnoreReason.all[Int(outcome) - 1])
        }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let version = try reader.uvarint()
        let sequence = try reader.uvarint()
        let time = try reader.svarint()
        let kind = try reader.name(in: DomainEventPayload.kindTable)
        let eventID = try reader.string()
        let (tag, at) = try reader.tag()
        var reason: (code: UInt8, text: String?) = (0, nil)
        switch tag {
        case 0: break
        case 1: reason = try reader.name(in: IgnoreReason.table)
        default: throw .invalidTag(type: "EventOutcome", tag: tag, offset: at)
        }
        if kind.code != 0, reason.text == nil {
            // Known names: straight to codes.
            let outcome: EventOutcome = tag == 0 ? .applied : .ignored(reason: IgnoreReason.all[Int(reason.code) - 1])
            self.init(version: version, sequence: sequence, time: time, kind: kind.code, eventID: eventID, outcome: outcome)
        } else {
            let kindName = kind.text ?? DomainEventPayload.kindNames[Int(kind.code) - 1]
            let outcome: EventOutcome = tag == 0 ? .applied
                : .ignored(reason: reason.text ?? IgnoreReason.all[Int(reason.code) - 1])
            self.init(EventHistoryEntry(version: version, sequence: sequence, time: time, kind: kindName,
                                        eventID: eventID, outcome: outcome))
        }
    }
}

extension EventHistoryEntry: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.uvarint(version)
        writer.uvarint(sequence)
        writer.svarint(time)
        writer.string(kind)
        writer.string(eventID)
        switch outcome {
        case .applied: writer.u8(0)
        case .ignored(let reason): writer.u8(1); writer.string(reason)
        }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let version = try reader.uvarint()
        let sequence = try reader.uvarint()
        let time = try reader.svarint()
        let kind = try reader.string()
        let eventID = try reader.string()
        let (tag, at) = try reader.tag()
        let outcome: EventOutcome
        switch tag {
        case 0: outcome = .applied
        case 1: outcome = .ignored(reason: try reader.string())
        default: throw .invalidTag(type: "EventOutcome", tag: tag, offset: at)
        }
        self.init(version: version, sequence: sequence, time: time, kind: kind, eventID: eventID, outcome: outcome)
    }
}

extension CallHistoryEntry: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(cdrID)
        writer.svarint(time)
        writer.svarint(durationSeconds)
        writer.bool(success)
        writer.optionalString(from)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(cdrID: try reader.string(), time: try reader.svarint(), durationSeconds: try reader.svarint(),
                  success: try reader.bool(), from: try reader.optionalString())
    }
}

extension SMSHistoryEntry: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(uuid)
        writer.svarint(time)
        writer.string(from)
        writer.string(to)
        writer.string(text)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(uuid: try reader.string(), time: try reader.svarint(), from: try reader.string(),
                  to: try reader.string(), text: try reader.string())
    }
}

extension VoicemailHistoryEntry: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(voicemailID)
        writer.svarint(time)
        writer.string(from)
        writer.svarint(seconds)
        writer.string(recordingURL)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(voicemailID: try reader.string(), time: try reader.svarint(), from: try reader.string(),
                  seconds: try reader.svarint(), recordingURL: try reader.string())
    }
}
