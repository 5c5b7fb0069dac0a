@testable import LoupeEngine
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Products whose rows are images (fully connected layers, single-pixel convolutions such as
/// squeeze-and-excitation, a `[N, K]` MatMul) give an image the same bits whatever batch it runs in: alone,
/// among three, among all, on one worker or cut into slices. BLAS kernels do not promise this (on AVX2 a
/// product's row rounds differently by its place among the others), so these products run in
/// `sgemmRowwise`. Checked on the fixtures whose other layers run one image per product; convolutions
/// that share an im2col product among images, and transformer products over `[tokens, batch, features]`,
/// still run in BLAS and are not covered (BENCHMARKS.md, "Batch-independent results").
final class BatchIndependenceTests: XCTestCase {
    /// At least five images: the fixture's own, then copies scaled by -0.5, 0.75, ... when it has fewer.
    func fiveImages(_ x: Tensor) -> Tensor {
        let perImage = x.count / max(1, x.shape[0])
        guard x.shape[0] < 5 else { return x.slice(batch: 0..<5) }
        var scalars = [Float]()
        for image in 0..<5 {
            let source = Array(x.scalars[((image % x.shape[0]) * perImage)..<((image % x.shape[0] + 1) * perImage)])
            let scale: Float = image < x.shape[0] ? 1 : [-0.5, 0.75, 1.25, -1][image % 4]
            scalars += source.map { $0 * scale }
        }
        return Tensor(shape: [5] + x.shape.dropFirst(), scalars: scalars)
    }

    /// Rows `range` of `t` as their own tensor.
    func rows(_ t: Tensor, _ range: Range<Int>) -> Tensor { t.slice(batch: range) }

    func testImageRowProductsGiveEachImageTheSameBitsInAnyBatch() throws {
        var checked = 0
        for fixture in try BlockedChainTests.convolutionFixtures() where ["mbconv_se", "densenet_block"].contains(fixture.name) {
            let model = fixture.model
            let input = model.primaryInputName
            guard let x = fixture.inputs[input], let logits = model.graph.outputs.first?.name else { continue }
            let images = fiveImages(x)
            let ones: (Tensor) throws -> Tensor = { Tensor(shape: $0.shape, scalars: [Float](repeating: 1, count: $0.count)) }
            func outputs(_ batch: Tensor) throws -> Tensor { try model.run([input: batch]).firstOutput(of: model) }
            func gradient(_ batch: Tensor) throws -> Tensor {
                try XCTUnwrap(try model.gradients([input: batch], target: logits, seed: ones, wrt: [input]).gradients[input])
            }
            // Exports with a fixed batch size (the dynamo CNN) run only at that size.
            guard (try? outputs(rows(images, 0..<2))) != nil else { continue }
            let all = try outputs(images), allGradients = try gradient(images)
            let serial = try Parallel.serially { try outputs(images) }
            XCTAssertEqual(serial.scalars, all.scalars, "\(fixture.name): one worker against slices")
            for range in [2..<3, 1..<4, 0..<2] {
                XCTAssertEqual(try outputs(rows(images, range)).scalars, rows(all, range).scalars, "\(fixture.name) outputs \(range)")
                // MBConv's backward 16x16 convolutions share im2col products among the images: not covered.
                guard fixture.name == "densenet_block" else { continue }
                XCTAssertEqual(try gradient(rows(images, range)).scalars, rows(allGradients, range).scalars,
                               "\(fixture.name) input gradients \(range)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, 2)
    }
}
