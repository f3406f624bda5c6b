import Dispatch

/// Work on a batch of independent inputs, spread over all cores and run in the background, so that the
/// thread that reads the next batch (decompressing a snapshot, scanning the journal) is not kept waiting.
/// `wait()` returns the outputs in input order.
final class ParallelBatch<Input: Sendable, Output>: @unchecked Sendable {
    static var workers: Int { 4 }

    let inputs: [Input]
    private var outputs: [Output?]
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    /// Starts `transform` over `inputs` in the background.
    init(_ inputs: [Input], _ transform: @escaping @Sendable (Input) -> Output) {
        self.inputs = inputs
        outputs = Array(repeating: nil, count: inputs.count)
        DispatchQueue.global().async { [self] in
            outputs.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                let count = inputs.count
                DispatchQueue.concurrentPerform(iterations: Self.workers) { worker in
                    for index in stride(from: worker, to: count, by: Self.workers) {
                        slots[index] = transform(inputs[index])
                    }
                }
            }
            done.signal()
        }
    }

    /// Blocks until every output is ready (from the thread that started the batch).
    func wait() -> [Output] {
        if !finished {
            done.wait()
            finished = true
        }
        return outputs.map { $0! }
    }
}
