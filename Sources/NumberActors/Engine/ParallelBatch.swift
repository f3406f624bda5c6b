import Dispatch
import Synchronization

/// Work on a batch of independent inputs, started in the background so that the thread that reads the next
/// batch (decompressing a snapshot, scanning the journal) is not kept waiting. Helpers claim chunks of inputs
/// from a shared cursor; `wait()` claims what is left itself rather than sleeping while work remains, so a
/// busy machine that starves the helpers does not stall the caller. Outputs come back in input order.
final class ParallelBatch<Input: Sendable, Output>: @unchecked Sendable {
    static var helpers: Int { 2 }
    /// Inputs claimed at a time.
    private let chunk: Int

    let inputs: [Input]
    private let transform: @Sendable (Input) -> Output
    private let slots: UnsafeMutableBufferPointer<Output?>
    private let cursor = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    /// Starts `transform` over `inputs` in the background.
    init(_ inputs: [Input], chunk: Int = 64, _ transform: @escaping @Sendable (Input) -> Output) {
        self.inputs = inputs
        self.chunk = chunk
        self.transform = transform
        slots = .allocate(capacity: inputs.count)
        slots.initialize(repeating: nil)
        guard !inputs.isEmpty else { return }
        for _ in 0..<Self.helpers {
            DispatchQueue.global().async { [self] in work() }
        }
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    /// Claims chunks until none is left; whoever completes the last input signals.
    private func work() {
        let count = inputs.count
        while true {
            let start = cursor.wrappingAdd(chunk, ordering: .relaxed).oldValue
            if start >= count { return }
            let end = min(count, start + chunk)
            for index in start..<end { slots[index] = transform(inputs[index]) }
            if completed.wrappingAdd(end - start, ordering: .acquiringAndReleasing).newValue == count { done.signal() }
        }
    }

    /// Helps with what is left, then waits for chunks still in progress elsewhere, and hands the outputs over
    /// (moved out, not copied: a copy of a decoded state or record would retain every object in it). Call once,
    /// from one thread; later calls return nothing.
    func wait() -> [Output] {
        if finished { return [] }
        if !inputs.isEmpty {
            work()
            done.wait()
        }
        finished = true
        var outputs: [Output] = []
        outputs.reserveCapacity(slots.count)
        for index in slots.indices { outputs.append(slots[index].take()!) }
        return outputs
    }
}
