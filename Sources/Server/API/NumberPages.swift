import NumberActors

/// One page of `GET /api/numbers`. Ids are sorted without reading any number; then numbers after the cursor
/// are read one at a time until the page is full and one more match is known (so `next_cursor` is null
/// exactly on the last page). Cost per page: sorting every id, plus one read per number examined (an actor
/// hop, or none for a number no event reached since recovery: no actor is created for it).
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

    static func page(_ engine: NumberEngine, _ query: NumberListQuery) async -> Page {
        var candidates = engine.numberIDs
        if let after = query.after {
            candidates.removeAll { !after.utf8.lexicographicallyPrecedes($0.utf8) }
        }
        candidates.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var numbers: [NumberState] = []
        for id in candidates {
            guard let state = await engine.number(id)?.state else { continue }
            guard query.matches(state) else { continue }
            if numbers.count == query.limit {
                return Page(numbers: numbers, nextCursor: NumberCursor.encode(numbers[numbers.count - 1].id))
            }
            numbers.append(state)
        }
        return Page(numbers: numbers, nextCursor: nil)
    }
}
