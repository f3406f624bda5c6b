import NumberActors

/// One page of `GET /api/numbers`. Ids are sorted without touching the actors (an actor's id needs no hop);
/// then numbers after the cursor are read one actor at a time until the page is full and one more match
/// is known (so `next_cursor` is null exactly on the last page). Cost per page: sorting every id, plus one
/// actor hop per number read (with filters, per number examined until the page fills).
enum NumberPages {
    struct Page {
        var numbers: [NumberState]
        var nextCursor: String?

        var json: String {
            var json = JSONObject()
            json.setRaw("numbers", "[" + numbers.map { NumberJSON.render($0) }.joined(separator: ",") + "]")
            json.set("next_cursor", nextCursor)
            return json.string
        }
    }

    static func page(_ actors: [NumberActor], _ query: NumberListQuery) async -> Page {
        var candidates = actors
        if let after = query.after {
            candidates.removeAll { !after.utf8.lexicographicallyPrecedes($0.id.utf8) }
        }
        candidates.sort { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        var numbers: [NumberState] = []
        for actor in candidates {
            let state = await actor.current().state
            guard query.matches(state) else { continue }
            if numbers.count == query.limit {
                return Page(numbers: numbers, nextCursor: NumberCursor.encode(numbers[numbers.count - 1].id))
            }
            numbers.append(state)
        }
        return Page(numbers: numbers, nextCursor: nil)
    }
}
