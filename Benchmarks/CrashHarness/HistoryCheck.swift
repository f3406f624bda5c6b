/// Exactly once for events that add no countable fact (a stale invoice, a repeated status): in a number's event
/// history every acknowledged Stripe event appears, and none appears twice. Run when nothing is in doubt.
enum HistoryCheck {
    /// The number keeps its most recent 32 entries per kind (docs/api.md); fewer means the history is complete.
    static let kept = 32

    static func check(port: Int, ledger: Ledger, sample: Int, context: String, random: inout SeededRandom) -> CheckOutcome {
        var outcome = CheckOutcome()
        var candidates = ledger.numbers.indices.filter { ledger.touched[$0] }
        random.shuffle(&candidates)
        for index in candidates.prefix(sample) {
            let id = ledger.numbers[index].id
            guard let object = Checker.getJSON(port: port, "/api/numbers/\(id)/history?kind=events&limit=500"),
                  let entries = object["history"] as? [[String: Any]] else {
                Checker.note(&outcome, "\(context): GET /api/numbers/\(id)/history failed")
                continue
            }
            outcome.numbersChecked += 1
            let ids = entries.compactMap { $0["id"] as? String }.filter { $0.hasPrefix("evt_") }
            var seen = Set<String>()
            for eventID in ids where !seen.insert(eventID).inserted {
                outcome.twice += 1
                Checker.note(&outcome, "\(context): \(id) history shows \(eventID) twice")
            }
            guard entries.count < kept else { continue }
            for eventID in stripeIDs(ledger.ackedAtoms(index)) where !seen.contains(eventID) {
                outcome.lost += 1
                Checker.note(&outcome, "\(context): \(id) history lacks the acknowledged \(eventID)")
            }
        }
        return outcome
    }

    static func stripeIDs(_ atoms: Set<Atom>) -> [String] {
        atoms.compactMap { atom in
            switch atom {
            case .payment(_, let id, _), .paymentFailed(_, let id), .subscriptionStatus(_, let id, _),
                 .subscriptionDeleted(_, let id), .checkoutExpired(_, let id): id
            default: nil
            }
        }
    }
}
