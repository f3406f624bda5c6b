import NumberActors

/// ProvisionNumber: buys the DID from DIDWW, at most once per number.
///
/// The order carries the number id as its `external_reference_id`, and every attempt looks for that order
/// before creating one: an attempt that timed out after DIDWW accepted the order, or a crash before the
/// result was journaled, finds the order instead of buying a second number. Once DIDWW accepted (or the
/// order is found) the attempt journals `provisioningStarted(orderID)`; DIDWW's callback to
/// `NUMNINJA_PUBLIC_URL/api/webhooks/didww?number=<id>` then completes or cancels it. A permanent refusal
/// (insufficient balance, an unknown SKU, a DID already taken) journals `provisioningFailed`, which fails the
/// number and refunds the customer; so does giving up after the last retry.
struct ProvisionNumberExecutor: EffectExecutor {
    let didww: any DIDWWProvisioning

    func requests(for effect: Effect) -> [EffectProvider] { [.didww, .didww] }

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt {
        guard case .provisionNumber(let skuID, let availableDIDID, _) = effect.action else {
            return .failed("not a provision_number effect")
        }
        let number = context.number
        if let order = number.didwwOrderID {
            return .completed("order \(order) already known")
        }
        // A number cancelled or failed before its purchase is not bought (no DID left on a dead number).
        if number.state == .cancelled || number.state == .failed {
            return .completed("not ordered: the number is \(number.state.rawValue)")
        }
        do {
            if let order = try await didww.findOrder(externalReferenceID: number.id) {
                return try await started(order, how: "found")
            }
            let callback = context.publicURL + "/api/webhooks/didww?number=" + URLText.queryValue(number.id)
            let order = try await didww.createOrder(skuID: skuID, availableDIDID: availableDIDID, callbackURL: callback,
                                                    externalReferenceID: number.id)
            return try await started(order, how: "created")
        } catch {
            let failure = ProviderError.classify(error)
            switch failure.kind {
            case .retryable:
                return .retry(reason: failure.description, after: failure.retryAfter)
            case .permanent:
                return .failed(reason: failure.description, followUps: [.provisioningFailed(reason: failure.description)])
            }
        }
    }

    func givingUp(_ effect: Effect, reason: String) -> [DomainEventPayload] {
        [.provisioningFailed(reason: reason)]
    }

    /// ProvisioningStarted, and when the order found is already settled (its callback may have been lost
    /// while this process was down), its outcome as DIDWW reports it.
    private func started(_ order: DIDWWOrder, how: String) async throws -> EffectAttempt {
        var followUps: [DomainEventPayload] = [.provisioningStarted(orderID: order.id)]
        switch order.status {
        case "completed":
            let did = try await didww.didIDs(orderID: order.id).first ?? ""
            followUps.append(.orderCompleted(orderID: order.id, didID: did))
        case "canceled", "cancelled":
            followUps.append(.orderCanceled(orderID: order.id))
        default:
            break
        }
        return .completed(details: "order \(order.id) \(how) (\(order.status))", followUps: followUps)
    }
}

enum URLText {
    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func queryValue(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
