@testable import NumberActors
import Testing

/// Background batches keep input order whatever the worker that produced an output.
@Suite struct ParallelBatchTests {
    @Test func outputsComeBackInInputOrder() {
        for count in [0, 1, 3, 4, 5, 1_000] {
            let batch = ParallelBatch(Array(0..<count)) { $0 * 2 }
            #expect(batch.wait() == (0..<count).map { $0 * 2 }, "count \(count)")
            // The outputs were handed over: waiting again returns nothing, without blocking.
            #expect(batch.wait().isEmpty)
        }
    }

    @Test func failuresStayWithTheirInputs() {
        struct Odd: Error, Equatable { var value: Int }
        let batch = ParallelBatch(Array(0..<10)) { value -> Result<Int, Odd> in
            value % 2 == 0 ? .success(value) : .failure(Odd(value: value))
        }
        let outputs = batch.wait()
        #expect(outputs.compactMap { try? $0.get() } == [0, 2, 4, 6, 8])
        #expect(batch.inputs == Array(0..<10))
    }
}
