import Synchronization

/// A customer's webhook endpoint on loopback: records every delivery (method, path, headers, body) and
/// answers `status` (200 by default), after `faults` (fail the next N, answer slowly).
public final class WebhookSink: Sendable {
    public struct Delivery: Sendable, Equatable {
        public var method: String
        public var target: String
        public var headers: [HTTPField]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// Base URL; deliveries may go to any path under it.
    public let url: String
    public let faults = SimulatorFaults()
    private let records = Mutex<[Delivery]>([])
    private let status = Mutex(200)
    private let server: HTTPServer
    private let slot = SimulatorHandlerSlot()

    public init() throws {
        let slot = self.slot
        server = try HTTPServer(configuration: Simulator.configuration()) { await slot.handle($0) }
        url = "http://127.0.0.1:\(server.port)"
        slot.set { [self] request in await self.handle(request) }
    }

    public func shutdown() async {
        await server.shutdown()
        slot.set(nil)
    }

    /// The status every delivery gets from now on (when no fault applies).
    public func respond(with status: Int) { self.status.withLock { $0 = status } }

    /// Deliveries received, failed ones included, in order.
    public var deliveries: [Delivery] { records.withLock { $0 } }

    private func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let delivery = Delivery(method: request.method, target: request.target, headers: Array(request.headers), body: request.body)
        records.withLock { $0.append(delivery) }
        if let failure = await faults.apply() { return HTTPResponse(status: failure, headers: Simulator.retryAfterHeaders(failure)) }
        return Simulator.json(status.withLock { $0 }, "{\"received\":true}")
    }
}
