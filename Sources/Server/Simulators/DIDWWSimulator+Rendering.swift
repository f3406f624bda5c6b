/// JSON:API documents of the DIDWW simulator.
extension DIDWWSimulator {
    static func render(_ order: Order) -> String {
        var item = JSONObject()
        item.set("qty", order.quantity)
        item.set("nrc", "0.00")
        item.set("mrc", "1.00")
        item.set("prorated_mrc", false)
        item.set("sku_id", order.skuID)
        if let available = order.availableDIDID { item.set("available_did_id", available) }
        var attributes = JSONObject()
        attributes.set("amount", "1.00")
        attributes.set("status", order.status)
        attributes.set("created_at", JSONText.timestamp(nanos: order.createdAt * 1_000_000_000))
        attributes.set("description", "DID")
        attributes.set("reference", order.reference)
        attributes.set("external_reference_id", order.externalReferenceID)
        attributes.setRaw("items", "[{\"type\":\"did_order_items\",\"attributes\":\(item.string)}]")
        attributes.set("callback_url", order.callbackURL)
        attributes.set("callback_method", order.callbackURL == nil ? nil : order.callbackMethod)
        return "{\"id\":\(JSONText.quote(order.id)),\"type\":\"orders\",\"attributes\":\(attributes.string)}"
    }

    static func render(_ did: DID) -> String {
        var attributes = JSONObject()
        attributes.set("number", did.number)
        attributes.set("blocked", did.blocked)
        attributes.set("terminated", did.terminated)
        attributes.set("awaiting_registration", false)
        attributes.set("expires_at", JSONText.timestamp(nanos: did.expiresAt * 1_000_000_000))
        attributes.set("description", nil as String?)
        attributes.set("capacity_limit", nil as Int?)
        let trunk = did.voiceInTrunkID.map { "{\"type\":\"voice_in_trunks\",\"id\":\(JSONText.quote($0))}" } ?? "null"
        let relationships = "{\"order\":{\"data\":{\"type\":\"orders\",\"id\":\(JSONText.quote(did.orderID))}},"
            + "\"voice_in_trunk\":{\"data\":\(trunk)}}"
        return "{\"id\":\(JSONText.quote(did.id)),\"type\":\"dids\",\"attributes\":\(attributes.string),\"relationships\":\(relationships)}"
    }

    static func jsonAPI(_ status: Int, _ body: String, headers: [HTTPField] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [HTTPField(name: "Content-Type", value: "application/vnd.api+json")] + headers,
                     body: Array(body.utf8))
    }

    /// A JSON:API error document: `{"errors":[{"title","detail","code","status"}]}`.
    static func error(_ status: Int, _ title: String, detail: String? = nil, headers: [HTTPField] = []) -> HTTPResponse {
        var entry = JSONObject()
        entry.set("title", title)
        entry.set("detail", detail ?? title)
        entry.set("code", String(status))
        entry.set("status", String(status))
        return jsonAPI(status, "{\"errors\":[\(entry.string)]}", headers: headers)
    }
}
