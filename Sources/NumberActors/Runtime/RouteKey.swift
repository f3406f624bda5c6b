/// A field of a provider event that can lead to a number without naming it (DESIGN.md §Routing).
public struct RouteKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable, CaseIterable, Comparable {
        case subscription = 1
        case customer = 2
        case charge = 3
        case paymentIntent = 4
        case didwwOrder = 5
        case e164 = 6

        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }

        public var name: String {
            switch self {
            case .subscription: return "subscription"
            case .customer: return "customer"
            case .charge: return "charge"
            case .paymentIntent: return "payment_intent"
            case .didwwOrder: return "didww_order"
            case .e164: return "e164"
            }
        }
    }

    public var kind: Kind
    public var value: String

    /// E.164 numbers compare as digits only (DIDWW sends `did_number` without `+`).
    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = kind == .e164 ? Self.digitsOnly(value) : value
    }

    /// A key read back from our own records, already normalized.
    init(normalized kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    static func digitsOnly(_ value: String) -> String {
        let utf8 = value.utf8
        if utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return value }
        return String(decoding: utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }, as: UTF8.self)
    }

    public static func < (a: RouteKey, b: RouteKey) -> Bool { (a.kind, a.value) < (b.kind, b.value) }

    public var description: String { "\(kind.name):\(value)" }
}

/// The router's indexes, part of the engine state (snapshotted, rebuilt by replay). Each index is
/// learned from events that did reach a number: an event routed to N teaches N for all its keys.
///
/// One table per kind of key (so keys are stored without their kind, and each kind is sized by itself);
/// see `RouteTable` for why these are not dictionaries.
public struct RouterIndexes: Sendable, Equatable {
    /// subscription, charge, payment intent, DIDWW order, E.164 → number, at `Kind.rawValue` (the customer's
    /// place stays empty). First learned wins: a Stripe subscription belongs to one number, and a later
    /// contradicting event cannot steal it.
    private var singleTables = [RouteTable<String>](repeating: RouteTable(), count: RouteKey.Kind.allCases.count + 1)
    /// customer → numbers (routing uses it only when the customer has exactly one number). Most
    /// customers have one number, so that case stores no set.
    private var customerTable = RouteTable<CustomerNumbers>()

    public enum CustomerNumbers: Sendable, Equatable {
        case one(String)
        case many(Set<String>)

        var count: Int {
            switch self {
            case .one: return 1
            case .many(let set): return set.count
            }
        }

        var only: String? {
            if case .one(let number) = self { return number }
            return nil
        }

        func contains(_ number: String) -> Bool {
            switch self {
            case .one(let existing): return existing == number
            case .many(let set): return set.contains(number)
            }
        }

        /// Adds `number` in place, without copying the set.
        mutating func add(_ number: String) {
            switch self {
            case .one(let existing):
                if existing != number { self = .many([existing, number]) }
            case .many(var set):
                self = .one(number)  // releases the enum's hold on the set, so the insert below does not copy it
                set.insert(number)
                self = .many(set)
            }
        }
    }

    public init() {}

    /// The single-key tables of `singles` with the customer table of `customers` (built apart, in parallel).
    init(singlesOf singles: RouterIndexes, customersOf customers: RouterIndexes) {
        singleTables = singles.singleTables
        customerTable = customers.customerTable
    }

    /// The single-key index as a dictionary (a copy: for tests and diagnostics).
    public var single: [RouteKey: String] {
        var single: [RouteKey: String] = [:]
        for kind in RouteKey.Kind.allCases where kind != .customer {
            for entry in singleTables[Int(kind.rawValue)].entries { single[RouteKey(normalized: kind, entry.key)] = entry.value }
        }
        return single
    }

    /// The customer index as a dictionary (a copy: for tests and diagnostics).
    public var customers: [String: CustomerNumbers] {
        Dictionary(uniqueKeysWithValues: customerTable.entries.map { ($0.key, $0.value) })
    }

    /// Routing order when an event names no number: the most specific key first.
    static let priority: [RouteKey.Kind] = [.subscription, .charge, .paymentIntent, .didwwOrder, .e164, .customer]

    /// The number an event with these keys belongs to, if the indexes know it.
    public func resolve(_ keys: [RouteKey]) -> String? {
        for kind in Self.priority {
            for key in keys where key.kind == kind {
                if kind == .customer {
                    if let number = customerTable[key.value]?.only { return number }
                } else if let number = singleTables[Int(kind.rawValue)][key.value] {
                    return number
                }
            }
        }
        return nil
    }

    /// What `learn` did: the keys now recorded for the number (journaled and stored with it, so replay and
    /// snapshots rebuild the same indexes), and those that route where nothing routed before (they
    /// re-drive parked events).
    public struct Learned: Sendable, Equatable {
        public var granted: [RouteKey] = []
        public var routable: [RouteKey] = []
    }

    /// Records that `keys` lead to `number`. Single keys: first learned wins. Customer keys: every
    /// number of the customer is recorded; the key routes only while there is exactly one.
    public mutating func learn(_ keys: [RouteKey], number: String) -> Learned {
        var learned = Learned()
        for key in keys where !key.value.isEmpty {
            if key.kind == .customer {
                switch customerTable.probe(key.value) {
                case .found(let entry):
                    if !customerTable[entry: entry].contains(number) {
                        customerTable[entry: entry].add(number)
                        learned.granted.append(key)
                    }
                case let missing:
                    customerTable.add(key.value, .one(number), at: missing)
                    learned.granted.append(key)
                    learned.routable.append(key)
                }
            } else {
                let table = Int(key.kind.rawValue)
                let probe = singleTables[table].probe(key.value)
                if case .missing = probe {
                    singleTables[table].add(key.value, number, at: probe)
                    learned.granted.append(key)
                    learned.routable.append(key)
                }
            }
        }
        return learned
    }

    /// Sizes the index of `kind` for `count` keys before a bulk restore (recovery).
    public mutating func reserve(_ kind: RouteKey.Kind, keys count: Int) {
        if kind == .customer {
            customerTable.reserve(count)
        } else {
            singleTables[Int(kind.rawValue)].reserve(count)
        }
    }

    /// Restores one index entry from a snapshot.
    public mutating func restore(_ key: RouteKey, number: String) {
        if key.kind == .customer {
            switch customerTable.probe(key.value) {
            case .found(let entry): customerTable[entry: entry].add(number)
            case let missing: customerTable.add(key.value, .one(number), at: missing)
            }
        } else {
            let table = Int(key.kind.rawValue)
            switch singleTables[table].probe(key.value) {
            case .found(let entry): singleTables[table][entry: entry] = number
            case let missing: singleTables[table].add(key.value, number, at: missing)
            }
        }
    }

    public var entryCount: Int {
        singleTables.reduce(0) { $0 + $1.count } + customerTable.entries.reduce(0) { $0 + $1.value.count }
    }
}
