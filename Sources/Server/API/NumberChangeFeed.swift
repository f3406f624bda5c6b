import NumberActors
import Synchronization

/// Fans number changes out to the Server-Sent Events streams.
///
/// `observer` runs on each number's actor after every apply, on the ingest path. With no subscriber
/// anywhere it costs one atomic load; otherwise one short lock to find the subscribers of that number
/// and of its customer, and the number is rendered to JSON only when there are some. Delivery is
/// `HTTPResponseStream.send`, which never blocks: a client that does not keep up is dropped.
final class NumberChangeFeed: Sendable {
    private struct Registry {
        var byNumber: [String: [Subscriber]] = [:]
        var byCustomer: [String: [Subscriber]] = [:]
    }

    private let subscribers = Atomic<Int>(0)
    private let registry = Mutex(Registry())

    init() {}

    var observer: EngineObserver {
        EngineObserver { [self] state, _ in publish(state) }
    }

    var subscriberCount: Int { subscribers.load(ordering: .relaxed) }

    func subscribe(number id: String) -> Subscriber {
        let subscriber = Subscriber(scope: .number(id))
        registry.withLock { $0.byNumber[id, default: []].append(subscriber) }
        subscribers.add(1, ordering: .relaxed)
        return subscriber
    }

    func subscribe(customer: String) -> Subscriber {
        let subscriber = Subscriber(scope: .customer(customer))
        registry.withLock { $0.byCustomer[customer, default: []].append(subscriber) }
        subscribers.add(1, ordering: .relaxed)
        return subscriber
    }

    /// Idempotent.
    func unsubscribe(_ subscriber: Subscriber) {
        let removed = registry.withLock { registry -> Bool in
            switch subscriber.scope {
            case .number(let id): return Self.remove(subscriber, key: id, from: &registry.byNumber)
            case .customer(let customer): return Self.remove(subscriber, key: customer, from: &registry.byCustomer)
            }
        }
        if removed { subscribers.subtract(1, ordering: .relaxed) }
    }

    private static func remove(_ subscriber: Subscriber, key: String, from map: inout [String: [Subscriber]]) -> Bool {
        guard var list = map[key], let index = list.firstIndex(where: { $0 === subscriber }) else { return false }
        list.remove(at: index)
        map[key] = list.isEmpty ? nil : list
        return true
    }

    /// After each apply: the number's new state to whoever watches it.
    func publish(_ state: NumberState) {
        guard subscribers.load(ordering: .relaxed) > 0 else { return }
        let targets = registry.withLock { registry -> [Subscriber] in
            var targets = registry.byNumber[state.id] ?? []
            if !registry.byCustomer.isEmpty, let customer = state.customer, let watching = registry.byCustomer[customer] {
                targets += watching
            }
            return targets
        }
        guard !targets.isEmpty else { return }
        let event = Self.event(state)
        for subscriber in targets { subscriber.deliver(id: state.id, version: state.version, event: event) }
    }

    /// One Server-Sent Event: `event: number` and the number JSON (one line: JSON strings escape newlines).
    static func event(_ state: NumberState) -> [UInt8] {
        Array("event: number\ndata: \(NumberJSON.render(state))\n\n".utf8)
    }

    /// One stream's view of the feed. Until `start` it buffers the latest change per number; after it,
    /// it sends each number's changes in version order, never one already sent (the initial state may
    /// already include a change that is also published).
    final class Subscriber: Sendable {
        enum Scope: Sendable {
            case number(String)
            case customer(String)
        }

        private struct State {
            var buffered: [String: (version: UInt64, event: [UInt8])]? = [:]
            var sent: [String: UInt64] = [:]
            var stream: HTTPResponseStream?
        }

        let scope: Scope
        private let state = Mutex(State())

        init(scope: Scope) { self.scope = scope }

        /// Sends the initial states, then whatever changed since subscribing and is newer.
        func start(_ stream: HTTPResponseStream, initial: [NumberState]) {
            state.withLock { state in
                state.stream = stream
                for number in initial {
                    state.sent[number.id] = number.version
                    stream.send(NumberChangeFeed.event(number))
                }
                let buffered = state.buffered ?? [:]
                state.buffered = nil
                for (id, change) in buffered.sorted(by: { $0.key < $1.key }) {
                    Self.send(&state, id: id, version: change.version, event: change.event)
                }
            }
        }

        func deliver(id: String, version: UInt64, event: [UInt8]) {
            state.withLock { state in
                if state.buffered != nil {
                    if version > state.buffered![id]?.version ?? 0 { state.buffered![id] = (version, event) }
                    return
                }
                Self.send(&state, id: id, version: version, event: event)
            }
        }

        private static func send(_ state: inout State, id: String, version: UInt64, event: [UInt8]) {
            guard version > state.sent[id] ?? 0, let stream = state.stream else { return }
            state.sent[id] = version
            stream.send(event)
        }
    }
}
