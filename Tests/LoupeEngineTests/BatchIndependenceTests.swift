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
    func testImageRowProductsGiveEachImageTheSameBitsInAnyBatch() throws {
        for name in ["mbconv_se", "densenet_block"] {
            let matrix = try ModelMatrixTests.matrixCase(name)
            let model = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
            let input = model.primaryInputName, logits = try XCTUnwrap(model.graph.outputs.first?.name)
            let images = try Fixtures.array("matrix", matrix.input).slice(batch: 0..<5)
            let ones: (Tensor) throws -> Tensor = { Tensor(shape: $0.shape, scalars: [Float](repeating: 1, count: $0.count)) }
            func outputs(_ batch: Tensor) throws -> Tensor { try model.run([input: batch]).firstOutput(of: model) }
            func gradient(_ batch: Tensor) throws -> Tensor {
                try XCTUnwrap(try model.gradients([input: batch], target: logits, seed: ones, wrt: [input]).gradients[input])
            }
            let all = try outputs(images), allGradients = try gradient(images)
            let serial = try Parallel.serially { try outputs(images) }
            XCTAssertEqual(serial.scalars, all.scalars, "\(name): one worker against slices")
            for range in [2..<3, 1..<4, 0..<2] {
                XCTAssertEqual(try outputs(images.slice(batch: range)).scalars, all.slice(batch: range).scalars,
                               "\(name) outputs \(range)")
                // MBConv's backward 16x16 convolutions share im2col products among the images: not covered.
                guard name == "densenet_block" else { continue }
                XCTAssertEqual(try gradient(images.slice(batch: range)).scalars, allGradients.slice(batch: range).scalars,
                               "\(name) input gradients \(range)")
            }
        }
    }
}
