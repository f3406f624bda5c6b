/// One line of a DIDWW order: a specific available DID of a SKU, or a quantity of a SKU.
public struct DIDWWOrderItem: Sendable, Equatable {
    public var skuID: String
    public var availableDIDID: String?
    public var quantity: Int?

    public init(skuID: String, availableDIDID: String? = nil, quantity: Int? = nil) {
        self.skuID = skuID
        self.availableDIDID = availableDIDID
        self.quantity = quantity
    }
}

/// `POST /v3/orders`. `externalReferenceID` makes the order findable after a lost answer
/// (`GET /v3/orders?filter[external_reference_id]=`), which is how a retry avoids buying twice.
public struct DIDWWOrderRequest: Sendable, Equatable {
    public var items: [DIDWWOrderItem]
    public var callbackURL: String?
    /// `post` or `get`.
    public var callbackMethod: String
    public var externalReferenceID: String?
    public var allowBackOrdering: Bool?

    public init(items: [DIDWWOrderItem], callbackURL: String? = nil, callbackMethod: String = "post",
                externalReferenceID: String? = nil, allowBackOrdering: Bool? = nil) {
        self.items = items
        self.callbackURL = callbackURL
        self.callbackMethod = callbackMethod
        self.externalReferenceID = externalReferenceID
        self.allowBackOrdering = allowBackOrdering
    }
}

/// An order as DIDWW reports it. `status` is `pending`, `completed` or `canceled`.
public struct DIDWWOrder: Sendable, Equatable {
    public var id: String
    public var status: String
    public var reference: String?
    public var externalReferenceID: String?
    public var callbackURL: String?
    public var createdAt: String?

    public init(id: String, status: String, reference: String? = nil, externalReferenceID: String? = nil,
                callbackURL: String? = nil, createdAt: String? = nil) {
        self.id = id
        self.status = status
        self.reference = reference
        self.externalReferenceID = externalReferenceID
        self.callbackURL = callbackURL
        self.createdAt = createdAt
    }

    public var isPending: Bool { status.lowercased() == "pending" }
    public var isCompleted: Bool { status.lowercased() == "completed" }
    public var isCanceled: Bool { status.lowercased() == "canceled" }
}

/// A DID (phone number) on the account.
public struct DIDWWDID: Sendable, Equatable {
    public var id: String
    /// E.164 digits without `+`, as DIDWW writes them.
    public var number: String
    public var blocked: Bool
    public var terminated: Bool
    public var awaitingRegistration: Bool
    public var expiresAt: String?
    public var orderID: String?
    public var voiceInTrunkID: String?

    public init(id: String, number: String, blocked: Bool = false, terminated: Bool = false,
                awaitingRegistration: Bool = false, expiresAt: String? = nil, orderID: String? = nil,
                voiceInTrunkID: String? = nil) {
        self.id = id
        self.number = number
        self.blocked = blocked
        self.terminated = terminated
        self.awaitingRegistration = awaitingRegistration
        self.expiresAt = expiresAt
        self.orderID = orderID
        self.voiceInTrunkID = voiceInTrunkID
    }
}

/// Filters of `GET /v3/dids` used for reconciliation.
public struct DIDWWDIDFilter: Sendable, Equatable {
    public var orderID: String?
    public var blocked: Bool?
    public var terminated: Bool?

    public init(orderID: String? = nil, blocked: Bool? = nil, terminated: Bool? = nil) {
        self.orderID = orderID
        self.blocked = blocked
        self.terminated = terminated
    }

    var queryPairs: [(String, String)] {
        var pairs: [(String, String)] = []
        if let orderID { pairs.append(("filter[order.id]", orderID)) }
        if let blocked { pairs.append(("filter[blocked]", String(blocked))) }
        if let terminated { pairs.append(("filter[terminated]", String(terminated))) }
        return pairs
    }
}

/// One page of DIDs; `totalRecords` from the response's `meta.total_records`.
public struct DIDWWDIDPage: Sendable, Equatable {
    public var dids: [DIDWWDID]
    public var page: Int
    public var totalRecords: Int?

    public init(dids: [DIDWWDID], page: Int, totalRecords: Int?) {
        self.dids = dids
        self.page = page
        self.totalRecords = totalRecords
    }
}

extension DIDWWOrder {
    init(_ resource: JSONAPIResource) {
        self.init(id: resource.id, status: resource.string("status") ?? "",
                  reference: resource.string("reference"),
                  externalReferenceID: resource.string("external_reference_id"),
                  callbackURL: resource.string("callback_url"), createdAt: resource.string("created_at"))
    }
}

extension DIDWWDID {
    init(_ resource: JSONAPIResource) {
        self.init(id: resource.id, number: resource.string("number") ?? "",
                  blocked: resource.bool("blocked") ?? false, terminated: resource.bool("terminated") ?? false,
                  awaitingRegistration: resource.bool("awaiting_registration") ?? false,
                  expiresAt: resource.string("expires_at"), orderID: resource.relationshipID("order"),
                  voiceInTrunkID: resource.relationshipID("voice_in_trunk"))
    }
}
