/// Event layout (docs/domain-formats.md §Events). Tags are part of the format: never renumber, only append.
extension DomainEvent: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(numberID)
        writer.write(source)
        writer.write(payload)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(numberID: try reader.string(), source: try reader.read(), payload: try reader.read())
    }
}

extension EventSource: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(eventID)
        writer.optionalString(objectID)
        writer.optionalInt(created)
        writer.svarint(time)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(eventID: try reader.string(), objectID: try reader.optionalString(),
                  created: try reader.optionalInt(), time: try reader.svarint())
    }
}

extension DomainEventPayload: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        switch self {
        case .reserved(let r): writer.u8(1); writer.write(r)
        case .forwardingChanged(let f): writer.u8(2); writer.write(f)
        case .paymentSucceeded(let p): writer.u8(3); writer.write(p)
        case .paymentFailed(let sub): writer.u8(4); writer.optionalString(sub)
        case .paymentActionRequired(let url): writer.u8(5); writer.optionalString(url)
        case .subscriptionStatus(let status, let sub): writer.u8(6); writer.string(status); writer.optionalString(sub)
        case .subscriptionDeleted(let sub): writer.u8(7); writer.optionalString(sub)
        case .checkoutExpired: writer.u8(8)
        case .trialWillEnd(let end): writer.u8(9); writer.optionalInt(end)
        case .refunded(let refunded, let amount): writer.u8(10); writer.svarint(refunded); writer.svarint(amount)
        case .disputeOpened(let id, let status): writer.u8(11); writer.string(id); writer.string(status)
        case .disputeClosed(let id, let status): writer.u8(12); writer.string(id); writer.string(status)
        case .provisioningStarted(let order): writer.u8(13); writer.string(order)
        case .provisioningFailed(let reason): writer.u8(14); writer.string(reason)
        case .orderCompleted(let order, let did): writer.u8(15); writer.string(order); writer.string(did)
        case .orderCanceled(let order): writer.u8(16); writer.string(order)
        case .providerBlocked: writer.u8(17)
        case .providerUnblocked: writer.u8(18)
        case .providerTerminated: writer.u8(19)
        case .callRecorded(let call): writer.u8(20); writer.write(call)
        case .smsReceived(let sms): writer.u8(21); writer.write(sms)
        case .voicemailLeft(let voicemail): writer.u8(22); writer.write(voicemail)
        case .operatorHold(let name): writer.u8(23); writer.string(name)
        case .operatorUnhold(let name): writer.u8(24); writer.string(name)
        case .operatorCancel(let name): writer.u8(25); writer.string(name)
        case .effectCompleted(let id, let details): writer.u8(26); writer.write(id); writer.string(details)
        case .effectFailed(let id, let details): writer.u8(27); writer.write(id); writer.string(details)
        case .effectRetried(let id, let name): writer.u8(28); writer.write(id); writer.string(name)
        case .unreadableRecord(let source, let reason, let excerpt):
            writer.u8(29); writer.string(source); writer.string(reason); writer.string(excerpt)
        }
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let (tag, at) = try reader.tag()
        switch tag {
        case 1: self = .reserved(try reader.read())
        case 2: self = .forwardingChanged(try reader.read())
        case 3: self = .paymentSucceeded(try reader.read())
        case 4: self = .paymentFailed(subscriptionID: try reader.optionalString())
        case 5: self = .paymentActionRequired(hostedInvoiceURL: try reader.optionalString())
        case 6: self = .subscriptionStatus(status: try reader.string(), subscriptionID: try reader.optionalString())
        case 7: self = .subscriptionDeleted(subscriptionID: try reader.optionalString())
        case 8: self = .checkoutExpired
        case 9: self = .trialWillEnd(trialEnd: try reader.optionalInt())
        case 10: self = .refunded(amountRefunded: try reader.svarint(), amount: try reader.svarint())
        case 11: self = .disputeOpened(disputeID: try reader.string(), status: try reader.string())
        case 12: self = .disputeClosed(disputeID: try reader.string(), status: try reader.string())
        case 13: self = .provisioningStarted(orderID: try reader.string())
        case 14: self = .provisioningFailed(reason: try reader.string())
        case 15: self = .orderCompleted(orderID: try reader.string(), didID: try reader.string())
        case 16: self = .orderCanceled(orderID: try reader.string())
        case 17: self = .providerBlocked
        case 18: self = .providerUnblocked
        case 19: self = .providerTerminated
        case 20: self = .callRecorded(try reader.read())
        case 21: self = .smsReceived(try reader.read())
        case 22: self = .voicemailLeft(try reader.read())
        case 23: self = .operatorHold(operatorName: try reader.string())
        case 24: self = .operatorUnhold(operatorName: try reader.string())
        case 25: self = .operatorCancel(operatorName: try reader.string())
        case 26: self = .effectCompleted(effectID: try reader.read(), details: try reader.string())
        case 27: self = .effectFailed(effectID: try reader.read(), details: try reader.string())
        case 28: self = .effectRetried(effectID: try reader.read(), operatorName: try reader.string())
        case 29: self = .unreadableRecord(source: try reader.string(), reason: try reader.string(), excerpt: try reader.string())
        default: throw .invalidTag(type: "DomainEventPayload", tag: tag, offset: at)
        }
    }
}

extension Reservation: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(e164)
        writer.string(customer)
        writer.string(skuID)
        writer.optionalString(availableDIDID)
        writer.write(plan)
        writer.write(forward)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(e164: try reader.string(), customer: try reader.string(), skuID: try reader.string(),
                  availableDIDID: try reader.optionalString(), plan: try reader.readOptional(),
                  forward: try reader.read())
    }
}

extension Plan: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.svarint(includedCallSeconds)
        writer.svarint(includedSMS)
        writer.u8(overage == .bill ? 0 : 1)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let seconds = try reader.svarint()
        let sms = try reader.svarint()
        let (tag, at) = try reader.tag()
        guard tag <= 1 else { throw .invalidTag(type: "Plan.Overage", tag: tag, offset: at) }
        self.init(includedCallSeconds: seconds, includedSMS: sms, overage: tag == 0 ? .bill : .block)
    }
}

extension Forwarding: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.optionalString(email)
        writer.optionalString(webhookURL)
        writer.optionalString(phone)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(email: try reader.optionalString(), webhookURL: try reader.optionalString(),
                  phone: try reader.optionalString())
    }
}

extension PaymentSucceeded: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.optionalString(subscriptionID)
        writer.optionalInt(periodEnd)
        writer.optionalString(paymentIntentID)
        writer.optionalString(chargeID)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(subscriptionID: try reader.optionalString(), periodEnd: try reader.optionalInt(),
                  paymentIntentID: try reader.optionalString(), chargeID: try reader.optionalString())
    }
}

extension CallRecord: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.svarint(durationSeconds)
        writer.bool(success)
        writer.u8(isLastCDR.map { $0 ? 1 : 0 } ?? 2)
        writer.optionalString(from)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let duration = try reader.svarint()
        let success = try reader.bool()
        let (tag, at) = try reader.tag()
        guard tag <= 2 else { throw .invalidTag(type: "CallRecord.isLastCDR", tag: tag, offset: at) }
        self.init(durationSeconds: duration, success: success, isLastCDR: tag == 2 ? nil : tag == 1,
                  from: try reader.optionalString())
    }
}

extension InboundSMS: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(from)
        writer.string(to)
        writer.string(text)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(from: try reader.string(), to: try reader.string(), text: try reader.string())
    }
}

extension Voicemail: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(from)
        writer.svarint(seconds)
        writer.string(recordingURL)
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        self.init(from: try reader.string(), seconds: try reader.svarint(), recordingURL: try reader.string())
    }
}

extension EffectID: DomainCodable {
    func encode(to writer: inout DomainWriter) {
        writer.string(numberID)
        writer.uvarint(version)
        writer.uvarint(UInt64(index))
    }

    init(from reader: inout DomainReader) throws(DomainCodecError) {
        let numberID = try reader.string()
        let version = try reader.uvarint()
        let index = try reader.int(in: 0...Int(UInt32.max), "EffectID.index")
        self.init(numberID: numberID, version: version, index: UInt32(index))
    }
}
