import NumberActors
import Synchronization

/// Sends one message to every target of a number's forwarding: email, customer webhook, phone.
///
/// Targets already reached by an earlier attempt of the same effect (in this process) are not sent again;
/// after a restart every target is sent again (at least once), with the same Message-ID and `webhook-id`
/// so receivers can drop the repeat. A permanent failure of one target does not stop the others; the
/// attempt retries while any target failed in a way that may pass later.
struct CustomerDelivery: Sendable {
    let mailer: any Mailer
    let webhooks: any WebhookDelivery
    let sms: any SMSSender
    let secrets: CustomerWebhookSecret
    let reached = ReachedTargets()

    enum Target: String, Sendable { case email, webhook, phone }

    func providers(for forward: Forwarding) -> [EffectProvider] {
        var providers: [EffectProvider] = []
        if forward.email != nil { providers.append(.email) }
        if forward.webhookURL != nil { providers.append(.customerWebhook) }
        if forward.phone != nil { providers.append(.didwwSMS) }
        return providers
    }

    func deliver(_ message: CustomerMessage, to forward: Forwarding, from e164: String?, context: EffectContext) async -> EffectAttempt {
        let key = context.idempotencyKey
        var sent: [String] = []
        var permanent: [String] = []
        var retryable: [ProviderError] = []
        for target in targets(forward) {
            if reached.contains(key, target.0) {
                sent.append(target.0.rawValue)
                continue
            }
            do {
                try await send(message, target: target.0, address: target.1, from: e164, context: context)
                reached.insert(key, target.0)
                sent.append(target.0.rawValue)
            } catch {
                let failure = ProviderError.classify(error)
                if failure.kind == .permanent { permanent.append("\(target.0.rawValue): \(failure.description)") } else { retryable.append(failure) }
            }
        }
        if let first = retryable.first {
            let after = retryable.compactMap(\.retryAfter).max()
            return .retry(reason: "\(first.description)" + (retryable.count > 1 ? " (+\(retryable.count - 1) more)" : ""), after: after)
        }
        reached.forget(key)
        if !permanent.isEmpty {
            let delivered = sent.isEmpty ? "" : " (delivered: \(sent.joined(separator: ", ")))"
            return .failed(permanent.joined(separator: "; ") + delivered)
        }
        return .completed(sent.isEmpty ? "no target to deliver to" : "delivered: " + sent.joined(separator: ", "))
    }

    private func targets(_ forward: Forwarding) -> [(Target, String)] {
        var list: [(Target, String)] = []
        if let email = forward.email { list.append((.email, email)) }
        if let url = forward.webhookURL { list.append((.webhook, url)) }
        if let phone = forward.phone { list.append((.phone, phone)) }
        return list
    }

    private func send(_ message: CustomerMessage, target: Target, address: String, from e164: String?,
                      context: EffectContext) async throws {
        let key = context.idempotencyKey
        switch target {
        case .email:
            try await mailer.send(EmailMessage(to: [address], subject: message.subject, text: message.text,
                                               messageID: "\(key)@numninja"))
        case .webhook:
            let secret: String
            do { secret = try secrets.secret(numberID: context.number.id, url: address) } catch {
                throw ProviderError.retryable("webhook secret unavailable: \(error)")
            }
            let body = message.webhookBody(numberID: context.number.id, effectID: key, time: context.now)
            try await webhooks.deliver(url: address, secret: secret, messageID: key, timestamp: context.now, body: body)
        case .phone:
            try await sms.send(to: address, from: e164, text: message.text, reference: key)
        }
    }
}

/// Targets reached per effect, until the effect settles. Bounded: when full it forgets everything (the
/// worst case is a repeated delivery, which receivers can recognise).
final class ReachedTargets: Sendable {
    static let capacity = 10_000
    private let entries = Mutex<[String: Set<String>]>([:])

    func contains(_ key: String, _ target: CustomerDelivery.Target) -> Bool {
        entries.withLock { $0[key]?.contains(target.rawValue) == true }
    }

    func insert(_ key: String, _ target: CustomerDelivery.Target) {
        entries.withLock { entries in
            if entries.count >= Self.capacity, entries[key] == nil { entries.removeAll() }
            entries[key, default: []].insert(target.rawValue)
        }
    }

    func forget(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }
}

/// ForwardSMS: one inbound SMS to the customer's targets.
struct ForwardSMSExecutor: EffectExecutor {
    let delivery: CustomerDelivery

    func requests(for effect: Effect) -> [EffectProvider] {
        guard case .forwardSMS(_, _, _, _, let forward) = effect.action else { return [] }
        return delivery.providers(for: forward)
    }

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt {
        guard case .forwardSMS(let id, let from, let to, let text, let forward) = effect.action else {
            return .failed("not a forward_sms effect")
        }
        let message = CustomerMessage.sms(id: id, from: from, to: to, text: text)
        return await delivery.deliver(message, to: forward, from: context.number.e164, context: context)
    }
}

/// NotifyCustomer: a state change, voicemail, payment action or trial end, to the customer's targets as
/// they were when the effect was emitted.
struct NotifyCustomerExecutor: EffectExecutor {
    let delivery: CustomerDelivery

    func requests(for effect: Effect) -> [EffectProvider] {
        guard case .notifyCustomer(_, let forward, _) = effect.action else { return [] }
        return delivery.providers(for: forward)
    }

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt {
        guard case .notifyCustomer(_, let forward, let notification) = effect.action else {
            return .failed("not a notify_customer effect")
        }
        let message = CustomerMessage.notification(notification, e164: context.number.e164)
        return await delivery.deliver(message, to: forward, from: context.number.e164, context: context)
    }
}
