/// Number state layout (docs/domain-formats.md §Number state). Collections are written in sorted order, so
/// equal states encode to equal bytes.
extension NumberState: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(id)
        writer.uvarint(version)
        writer.uvarint(appliedSequence)
        writer.optionalInt(updatedAt)
        writer.write(facts)
        writer.write(emitted)
        writer.write(outbox)
        writer.write(history)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(id: try reader.string())
        version = try reader.uvarint()
        appliedSequence = try reader.uvarint()
        updatedAt = try reader.optionalInt()
        facts = try reader.read()
        emitted = try reader.read()
        outbox = try reader.readArray()
        history = try reader.read()
    }
}

extension NumberFacts: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.write(reservation)
        writer.write(forward)
        writer.bool(paid)
        writer.optionalInt(paidThrough)
        writer.write(payment)
        writer.write(subscription)
        writer.write(startedOrder)
        writer.write(completedOrder)
        writer.write(provisioningFailure)
        writer.write(billing)
        writer.write(disputesOpened.sorted())
        writer.write(disputesClosed.sorted())
        writer.write(usage)
        writer.write(providerBlock)
        writer.write(operatorHold)
        let cancellations = self.cancellations.sorted { $0.key.tag < $1.key.tag }
        writer.count(cancellations.count)
        for (reason, stamp) in cancellations {
            writer.u8(reason.tag)
            writer.write(stamp)
        }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init()
        reservation = try reader.readOptional()
        forward = try reader.readOptional()
        paid = try reader.bool()
        paidThrough = try reader.optionalInt()
        payment = try reader.readOptional()
        subscription = try reader.readOptional()
        startedOrder = try reader.readOptional()
        completedOrder = try reader.readOptional()
        provisioningFailure = try reader.readOptional()
        billing = try reader.readOptional()
        disputesOpened = Set(try reader.readArray() as [String])
        disputesClosed = Set(try reader.readArray() as [String])
        usage = try reader.read()
        providerBlock = try reader.readOptional()
        operatorHold = try reader.readOptional()
        for _ in 0..<(try reader.count(minimumBytes: 2)) {
            let (tag, at) = try reader.tag()
            guard let reason = CancellationReason(tag: tag) else {
                throw .invalidTag(type: "CancellationReason", tag: tag, offset: at)
            }
            cancellations[reason] = try reader.read()
        }
    }
}

extension CancellationReason {
    private static let tagOrder: [CancellationReason] = [
        .subscriptionDeleted, .subscriptionCanceled, .subscriptionIncompleteExpired, .refunded,
        .disputeLost, .providerTerminated, .operatorCancel, .checkoutExpired,
    ]

    var tag: UInt8 { UInt8(Self.tagOrder.firstIndex(of: self)! + 1) }

    init?(tag: UInt8) {
        guard tag >= 1, Int(tag) <= Self.tagOrder.count else { return nil }
        self = Self.tagOrder[Int(tag) - 1]
    }
}

extension String: DomainCodable {
    func encode(to writer: inout DomainWriter) { writer.string(self) }
    init(from reader: inout DomainReader) throws(DomainCodecError) { self = try reader.string() }
}

extension Bool: DomainCodable {
    func encode(to writer: inout DomainWriter) { writer.bool(self) }
    init(from reader: inout DomainReader) throws(DomainCodecError) { self = try reader.bool() }
}

extension EventStamp: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.svarint(time)
        writer.string(eventID)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(time: try reader.svarint(), eventID: try reader.string())
    }
}

extension Stamped: DomainCodable where Value: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.write(stamp)
        writer.write(value)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let stamp: EventStamp = try reader.read()
        self.init(try reader.read(), at: stamp)
    }
}

extension PaymentReference: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.optionalString(paymentIntentID)
        writer.optionalString(chargeID)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(paymentIntentID: try reader.optionalString(), chargeID: try reader.optionalString())
    }
}

extension CompletedOrder: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(orderID)
        writer.string(didID)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(orderID: try reader.string(), didID: try reader.string())
    }
}

extension ProvisioningFailure: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.u8(kind == .orderCanceled ? 1 : 2)
        writer.string(detail)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let (tag, at) = try reader.tag()
        guard tag == 1 || tag == 2 else { throw .invalidTag(type: "ProvisioningFailureKind", tag: tag, offset: at) }
        self.init(kind: tag == 1 ? .orderCanceled : .provisioningFailed, detail: try reader.string())
    }
}

extension BillingStanding: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        switch self {
        case .good: writer.u8(1)
        case .delinquent(let reason): writer.u8(2); writer.string(reason)
        }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let (tag, at) = try reader.tag()
        switch tag {
        case 1: self = .good
        case 2: self = .delinquent(reason: try reader.string())
        default: throw .invalidTag(type: "BillingStanding", tag: tag, offset: at)
        }
    }
}

extension OperatorHold: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.bool(held)
        writer.string(operatorName)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(held: try reader.bool(), operatorName: try reader.string())
    }
}

extension UsageMonth: DomainCodable {
    func encode(to writer: inout DomainWriter) { writer.svarint(Int64(ordinal)) }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let at = reader.offset
        let ordinal = try reader.svarint()
        // Clamped timestamps (CivilDate.secondsBound) give months well inside ±2^40.
        guard (-(1 << 40)...(1 << 40)).contains(ordinal) else { throw .invalidValue("UsageMonth", offset: at) }
        self.init(ordinal: Int(ordinal))
    }
}

extension MonthUsage: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.svarint(calls)
        writer.svarint(callSeconds)
        writer.svarint(smsIn)
        writer.svarint(voicemails)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(calls: try reader.svarint(), callSeconds: try reader.svarint(),
                  smsIn: try reader.svarint(), voicemails: try reader.svarint())
    }
}

extension UsageLedger: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.count(monthCount)
        forEachMonth { month, usage, hashes in
            writer.write(month)
            writer.write(usage)
            writer.count(hashes.count)
            for hash in hashes { writer.u64(hash) }
        }
    }

    /// Straight into the ledger's word layout (one allocation); input that is not in canonical order (months
    /// ascending, hashes ascending and distinct) is accepted and put in order.
    init(from reader: inout DomainReader) throws(DomainCodecError) {
        var words: [UInt64] = []
        var canonical = true
        var previous: Int?
        var seen: [Int] = []
        let months = try reader.count(minimumBytes: 6)
        for _ in 0..<months {
            let at = reader.offset
            let month: UsageMonth = try reader.read()
            guard !seen.contains(month.ordinal) else { throw .invalidValue("duplicate usage month", offset: at) }
            if months > 1 { seen.append(month.ordinal) }
            if let previous, previous > month.ordinal { canonical = false }
            previous = month.ordinal
            let usage: MonthUsage = try reader.read()
            let n = try reader.count(minimumBytes: 8)
            if words.isEmpty { words.reserveCapacity(months * UsageLedger.header + n) }
            words.append(UInt64(bitPattern: Int64(month.year)))
            words.append(UInt64(month.month))
            words.append(UInt64(n))
            words.append(UInt64(bitPattern: usage.calls))
            words.append(UInt64(bitPattern: usage.callSeconds))
            words.append(UInt64(bitPattern: usage.smsIn))
            words.append(UInt64(bitPattern: usage.voicemails))
            var last: UInt64?
            for _ in 0..<n {
                let hash = try reader.u64()
                if let last, last >= hash { canonical = false }
                last = hash
                words.append(hash)
            }
        }
        self.init(checkedWords: words)
        if !canonical {
            // Written sorted; accept any order (and duplicate hashes) as sets.
            let entries = self.entries.map { Month(month: $0.month, usage: $0.usage, hashes: Array(Set($0.hashes)).sorted()) }
            self.init(sortedEntries: entries.sorted { $0.month.ordinal < $1.month.ordinal })
        }
    }
}

extension EmittedEffects: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        var bits: UInt8 = 0
        if provisionNumber { bits |= 1 }
        if assignRouting { bits |= 2 }
        if releaseNumber { bits |= 4 }
        if cancelOrder { bits |= 8 }
        if refundPayment { bits |= 16 }
        writer.u8(bits)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let at = reader.offset
        let bits = try reader.u8()
        guard bits & ~0x1F == 0 else { throw .invalidValue("EmittedEffects", offset: at) }
        self.init()
        provisionNumber = bits & 1 != 0
        assignRouting = bits & 2 != 0
        releaseNumber = bits & 4 != 0
        cancelOrder = bits & 8 != 0
        refundPayment = bits & 16 != 0
    }
}
