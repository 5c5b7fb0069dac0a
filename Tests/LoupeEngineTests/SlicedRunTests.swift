@testable import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Forward runs cut into one slice of the batch per worker (`SlicedRun`): the separation is found
/// in every architecture of the model matrix, the joined slices give the whole batch's bytes, and
/// graphs that mix images (or whose results cannot be joined) run whole.
final class SlicedRunTests: XCTestCase {
    /// The separation of `model` between `whole` and `slice` images, if any.
    func separation(_ model: Model, whole: Int, slice: Int, sample: [Int]) throws -> BatchSeparation? {
        let name = model.primaryInputName
        return BatchSeparation(model: model, whole: try model.plan(inputShapes: [name: [whole] + sample]),
                               slice: try model.plan(inputShapes: [name: [slice] + sample]), wholeBatch: whole, sliceBatch: slice)
    }

    /// Asserts that `actual` has `expected`'s shape and agrees within `tolerance` of its largest magnitude.
    func assertClose(_ actual: TensorValue?, _ expected: TensorValue?, _ label: String, tolerance: Float = 1e-5,
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let actual, let expected else { return XCTFail("\(label): missing", file: file, line: line) }
        XCTAssertEqual(actual.shape, expected.shape, label, file: file, line: line)
        let (a, e) = (actual.asFloat.scalars, expected.asFloat.scalars)
        guard a.count == e.count else { return }
        let scale = max(e.map(abs).max() ?? 0, 1e-12)
        let worst = zip(a, e).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(label): slices differ by \(worst)", file: file, line: line)
    }

    /// The results of running `x` in the slices `ranges`, joined as `runInSlices` joins them.
    func joinedSlices(_ model: Model, _ x: Tensor, _ ranges: [Range<Int>], taps: Set<String> = []) throws -> ForwardResult {
        let parts = try ranges.map { try model.runWhole([model.primaryInputName: x.slice(batch: $0)], taps: taps) }
        let separation = try XCTUnwrap(try self.separation(model, whole: x.shape[0], slice: ranges[0].count,
                                                           sample: Array(x.shape.dropFirst())), "\(model.graph.name): no separation")
        func joined(_ pick: (ForwardResult) -> [String: TensorValue]) throws -> [String: TensorValue] {
            var values = [String: TensorValue]()
            for name in pick(parts[0]).keys {
                guard case .axis(let axis, outer: 1)? = separation.roles[name] else {
                    XCTFail("\(name) has no joinable batch axis")
                    continue
                }
                values[name] = SlicedRun.join(parts.compactMap { pick($0)[name] }, axis: axis)
            }
            return values
        }
        return ForwardResult(outputs: try joined(\.outputs), taps: try joined(\.taps))
    }

    func testMatrixArchitecturesAreSeparableAndTheirSlicesGiveTheWholeBatchBytes() throws {
        let manifest = try JSONDecoder().decode([MatrixCase].self,
                                                from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("matrix", "manifest.json"))))
        XCTAssertEqual(manifest.count, 7)
        for matrix in manifest {
            for (variant, file) in matrix.variants.sorted(by: { $0.key < $1.key }) {
                let model = try Model(path: Fixtures.path("matrix", file))
                let x = try Fixtures.array("matrix", matrix.input).slice(batch: 0..<8)
                for ranges in [[0..<4, 4..<8], [0..<3, 3..<5, 5..<8]] {
                    let label = "\(matrix.name) \(variant) \(ranges.map(\.count))"
                    let whole = try model.runWhole([model.primaryInputName: x]).firstOutput(of: model)
                    let sliced = try joinedSlices(model, x, ranges).firstOutput(of: model)
                    assertClose(.float(sliced), .float(whole), label)
                }
            }
        }
    }

    func testTapsAreJoinedAndTheRunCutsWhenThereAreWorkers() throws {
        let matrix = try ModelMatrixTests.matrixCase("vit_2block")
        let model = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
        let x = try Fixtures.array("matrix", matrix.input).slice(batch: 0..<5)
        let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
        // Every float value the steps write whose batch axis is outermost can be tapped.
        let separation = try XCTUnwrap(try self.separation(model, whole: 5, slice: 2, sample: Array(x.shape.dropFirst())))
        let taps = Set(plan.valueOrder.filter { name in
            guard plan.facts[name]?.constant == nil, case .axis(_, outer: 1)? = separation.roles[name] else { return false }
            return true
        })
        XCTAssertGreaterThan(taps.count, 20)
        XCTAssertTrue(model.keepsImagesApart(batch: 8, slice: 4))
        XCTAssertEqual(try ModelSummary(model: model).withSlicedRuns(of: model).slicedForwardRuns, SlicedRun.isEnabled)
        let whole = try model.runWhole([model.primaryInputName: x], taps: taps)
        let sliced = try joinedSlices(model, x, [0..<2, 2..<5], taps: taps)
        XCTAssertEqual(Set(sliced.taps.keys), taps)
        for name in taps { assertClose(sliced.taps[name], whole.taps[name], "tap \(name)") }
        if Parallel.workerCount > 1 {
            let cut = try XCTUnwrap(try model.runInSlices([model.primaryInputName: x], taps: taps))
            XCTAssertEqual(Set(cut.taps.keys), taps)
            for name in taps { assertClose(cut.taps[name], sliced.taps[name], "tap \(name)", tolerance: 0) }
            // The same cut twice gives the same bytes.
            let again = try XCTUnwrap(try model.runInSlices([model.primaryInputName: x], taps: []))
            XCTAssertEqual(again.outputs, cut.outputs)
        }
    }

    /// x [N, 3, 4] through `body`, to `output`.
    func graph(_ body: (inout GraphBuilder) -> String) throws -> Model {
        var b = GraphBuilder()
        let output = body(&b)
        return try b.model(sampleShape: [3, 4], output: output)
    }

    func testImagesInterleavedInsideTheGraphStaySeparable() throws {
        // [N, 3, 4] → [3, N, 4] → [3N, 4] (three runs of N images) → Relu → [3, N, 4] → [N, 3, 4].
        let model = try graph { b in
            let t = b.add("Transpose", ["x"], ["perm": .ints([1, 0, 2])])
            let flat = b.add("Reshape", [t, b.constant("rows", [-1, 4])], output: "rows3n")
            let r = b.add("Relu", [flat])
            let back = b.add("Reshape", [r, b.constant("back", [3, -1, 4])])
            return b.add("Transpose", [back], ["perm": .ints([1, 0, 2])])
        }
        let s = try XCTUnwrap(try separation(model, whole: 6, slice: 3, sample: [3, 4]))
        XCTAssertEqual(s.roles["rows3n"], .axis(0, outer: 3))
        XCTAssertEqual(s.roles[model.graph.outputs[0].name], .axis(0, outer: 1))
        var random = TestRandom(seed: 3)
        let x = random.tensor([6, 3, 4])
        XCTAssertEqual(try joinedSlices(model, x, [0..<3, 3..<6]).outputs, try model.runWhole(["x": x]).outputs)
        // The interleaved value cannot be joined slice after slice: a run tapping it stays whole.
        if Parallel.workerCount > 1 {
            XCTAssertNil(try model.runInSlices(["x": x], taps: ["rows3n"]))
            XCTAssertNotNil(try model.runInSlices(["x": x], taps: []))
        }
    }

    func testGraphsThatMixImagesAreNotCut() throws {
        let mixing: [(String, (inout GraphBuilder) -> String)] = [
            ("softmax over the batch", { b in b.add("Softmax", ["x"], ["axis": .int(0)]) }),
            ("mean over the batch", { b in b.add("ReduceMean", ["x"], ["axes": .ints([0]), "keepdims": .int(1)]) }),
            ("concatenation along the batch", { b in b.add("Concat", ["x", "x"], ["axis": .int(0)]) }),
            ("reshape across the batch", { b in b.add("Reshape", ["x", b.constant("s", [3, -1])]) }),
            ("product over the batch", { b in
                let t = b.add("Transpose", ["x"], ["perm": .ints([1, 2, 0])])
                return b.add("MatMul", [t, b.add("Reshape", ["x", b.constant("rows", [0, -1])])])
            }),
            ("softmax over the moved batch axis", { b in
                let t = b.add("Transpose", ["x"], ["perm": .ints([1, 2, 0])])
                return b.add("Softmax", [t], ["axis": .int(-1)])
            }),
            ("gather along the batch", { b in b.add("Gather", ["x", b.constant("i", [1, 0])], ["axis": .int(0)]) }),
            ("slice along the batch", { b in
                b.add("Slice", ["x", b.constant("st", [0]), b.constant("en", [6]), b.constant("ax", [0]), b.constant("sp", [2])])
            }),
        ]
        var random = TestRandom(seed: 5)
        let x = random.tensor([6, 3, 4])
        for (label, body) in mixing {
            let model = try graph(body)
            XCTAssertNil(try separation(model, whole: 6, slice: 3, sample: [3, 4]), label)
            if Parallel.workerCount > 1 {
                XCTAssertNil(try model.runInSlices(["x": x], taps: []), label)
            }
            XCTAssertEqual(try model.run(["x": x]).outputs, try model.runWhole(["x": x]).outputs, label)
            XCTAssertFalse(model.keepsImagesApart(batch: 8, slice: 4), label)
            XCTAssertEqual(try ModelSummary(model: model, batchSize: 6).withSlicedRuns(of: model).slicedForwardRuns, false, label)
        }
    }
}
