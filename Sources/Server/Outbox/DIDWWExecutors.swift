import NumberActors

/// AssignRouting: points the live DID at the voice trunk. Skipped on a number that died meanwhile
/// (its ReleaseNumber follows).
struct AssignRoutingExecutor: EffectExecutor {
    let didww: any DIDWWProvisioning

    func requests(for effect: Effect) -> [EffectProvider] { [.didww] }

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt {
        guard case .assignRouting(let didID) = effect.action else { return .failed("not an assign_routing effect") }
        if context.number.state == .cancelled || context.number.state == .failed {
            return .completed("not routed: the number is \(context.number.state.rawValue)")
        }
        do {
            guard let did = try await resolve(didID, number: context.number, didww: didww) else {
                return .failed("the order names no DID to route")
            }
            try await didww.assignTrunk(didID: did)
            // A DID read from the order becomes the number's fact (`didww.did_id`), for release and reconciliation.
            var learned: [DomainEventPayload] = []
            if didID.isEmpty, let order = context.number.didwwOrderID { learned.append(.orderCompleted(orderID: order, didID: did)) }
            return .completed(details: "DID \(did) routed to the trunk", followUps: learned)
        } catch {
            return ProviderError.classify(error).attempt
        }
    }
}

/// ReleaseNumber: gives a dead number's DID back to DIDWW.
struct ReleaseNumberExecutor: EffectExecutor {
    let didww: any DIDWWProvisioning

    func requests(for effect: Effect) -> [EffectProvider] { [.didww] }

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt {
        guard case .releaseNumber(let didID) = effect.action else { return .failed("not a release_number effect") }
        do {
            guard let did = try await resolve(didID, number: context.number, didww: didww) else {
                return .failed("the order names no DID to release")
            }
            try await didww.releaseDID(didID: did)
            return .completed("DID \(did) released")
        } catch {
            return ProviderError.classify(error).attempt
        }
    }
}

/// CancelOrder: cancels a DIDWW order still in flight on a dead number.
struct CancelOrderExecutor: EffectExecutor {
    let didww: any DIDWWProvisioning

    func requests(for effect: Effect) -> [EffectProvider] { [.didww] }

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt {
        guard case .cancelOrder(let orderID) = effect.action else { return .failed("not a cancel_order effect") }
        do {
            try await didww.cancelOrder(orderID: orderID)
            return .completed("order \(orderID) cancelled")
        } catch {
            return ProviderError.classify(error).attempt
        }
    }
}

/// The DID an effect names, or, when DIDWW's callback named only the order, the order's DID as DIDWW lists it.
private func resolve(_ didID: String, number: NumberState, didww: any DIDWWProvisioning) async throws -> String? {
    if !didID.isEmpty { return didID }
    guard let order = number.didwwOrderID else { return nil }
    return try await didww.didIDs(orderID: order).first
}
