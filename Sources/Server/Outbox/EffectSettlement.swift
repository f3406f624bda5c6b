import NumberActors

/// The journal events that carry an attempt's result back: follow-ups first, then the settlement, in one
/// journal write. Their dedupe keys (channel `effect`) make a re-run harmless:
///
/// - a follow-up: `<effect id>:<kind>:<digest of the payload>`, so the same result found again (a re-run after
///   a crash finds the DIDWW order it created) journals once;
/// - completion: `<effect id>:completed`, so an effect completes once whatever happens;
/// - failure: `<effect id>:failed:<number version>`: once per round, since an operator's retry (a journaled
///   event) raises the version, so a second failure after a retry is journaled too.
enum EffectSettlement {
    static let channel = "effect"
    /// Details and reasons are cut to this many bytes (a provider's whole error body has no place in the journal).
    static let maxDetailsBytes = 500

    static func completed(_ effect: Effect, details: String, followUps: [DomainEventPayload], now: Int64) -> [IncomingEvent] {
        let settlement = event(effect, eventID: effect.id.text + ":completed", now: now,
                               payload: .effectCompleted(effectID: effect.id, details: truncated(details)))
        return followUpEvents(effect, followUps, now: now) + [settlement]
    }

    static func failed(_ effect: Effect, reason: String, followUps: [DomainEventPayload], version: UInt64, now: Int64) -> [IncomingEvent] {
        let settlement = event(effect, eventID: effect.id.text + ":failed:\(version)", now: now,
                               payload: .effectFailed(effectID: effect.id, details: truncated(reason)))
        return followUpEvents(effect, followUps, now: now) + [settlement]
    }

    static func followUpEvents(_ effect: Effect, _ payloads: [DomainEventPayload], now: Int64) -> [IncomingEvent] {
        payloads.map { payload in
            event(effect, eventID: "\(effect.id.text):\(payload.kindName):\(digest(payload))", now: now, payload: payload)
        }
    }

    static func event(_ effect: Effect, eventID: String, now: Int64, payload: DomainEventPayload) -> IncomingEvent {
        IncomingEvent(channel: channel, numberID: effect.id.numberID, keys: keys(payload),
                      source: EventSource(eventID: eventID, time: now), payload: payload)
    }

    /// What the router learns from a result: the DIDWW order leads to its number.
    static func keys(_ payload: DomainEventPayload) -> [RouteKey] {
        if case .provisioningStarted(let orderID) = payload { return [RouteKey(.didwwOrder, orderID)] }
        return []
    }

    /// 8 hex digits of SHA-256 over the payload's description: equal payloads, equal digests.
    static func digest(_ payload: DomainEventPayload) -> String {
        let hash = CustomerWebhookSecret.sha256(Array(String(describing: payload).utf8))
        return DevelopmentSecretsFile.hex(Array(hash.prefix(4)))
    }

    static func truncated(_ text: String) -> String {
        guard text.utf8.count > maxDetailsBytes else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if out.utf8.count + String(scalar).utf8.count > maxDetailsBytes - 3 { break }
            out.unicodeScalars.append(scalar)
        }
        return out + "..."
    }
}
