import LoupeData
import LoupeTensor
import LoupeTestSupport
import XCTest

final class SamplingTests: XCTestCase {
    func testBatchesCoverEveryIndexOnceInTheRequestedOrder() throws {
        let data = try SyntheticShapesDataset(count: 23, seed: 1)
        var iterator = data.batches(size: 10)
        var seen = [Int](), sizes = [Int]()
        while let batch = try iterator.next() {
            seen += batch.indices
            sizes.append(batch.images.shape[0])
            XCTAssertEqual(batch.labels, batch.indices.map { $0 % 10 })
        }
        XCTAssertEqual(seen, Array(0..<23))
        XCTAssertEqual(sizes, [10, 10, 3])
        let shuffled = batchPlan(count: 23, size: 10, order: .shuffled(seed: 7)).flatMap { $0 }
        XCTAssertEqual(shuffled.sorted(), Array(0..<23))
        XCTAssertNotEqual(shuffled, Array(0..<23))
        XCTAssertEqual(shuffled, batchPlan(count: 23, size: 10, order: .shuffled(seed: 7)).flatMap { $0 })
    }

    func testStreamedBatchRowsEqualSingleSampleBatches() throws {
        let data = try SyntheticShapesDataset(count: 40, seed: 3)
        let (batch, labels) = try data.batch([17, 2, 33])
        XCTAssertEqual(labels, [7, 2, 3])
        for (row, index) in [17, 2, 33].enumerated() {
            XCTAssertEqual(batch.slice(batch: row..<(row + 1)), try data.batch([index]).images)
        }
    }

    func testStratifiedSamplingCounts() throws {
        // 100 labels: class c has 10 * (c + 1) members for c in 0..<4.
        let labels = (0..<4).flatMap { c in [Int](repeating: c, count: 10 * (c + 1)) }.shuffled(using: &TestGenerator.shared)
        func counts(_ indices: [Int]) -> [Int] {
            var result = [0, 0, 0, 0]
            for i in indices { result[labels[i]] += 1 }
            return result
        }
        let perClass = try selectIndices(labels: labels, classCount: 4, options: DatasetOptions(perClass: 15, seed: 9))
        XCTAssertEqual(counts(perClass), [10, 15, 15, 15])
        XCTAssertEqual(perClass, perClass.sorted())
        XCTAssertEqual(perClass, try selectIndices(labels: labels, classCount: 4, options: DatasetOptions(perClass: 15, seed: 9)))
        XCTAssertNotEqual(perClass, try selectIndices(labels: labels, classCount: 4, options: DatasetOptions(perClass: 15, seed: 10)))
        let fraction = try selectIndices(labels: labels, classCount: 4, options: DatasetOptions(fraction: 0.5, seed: 1))
        XCTAssertEqual(counts(fraction), [5, 10, 15, 20])
        let limited = try selectIndices(labels: labels, classCount: 4, options: DatasetOptions(limit: 7))
        XCTAssertEqual(limited, Array(0..<7))
        XCTAssertThrowsError(try selectIndices(labels: labels, classCount: 4, options: DatasetOptions(fraction: 1.5)))
        XCTAssertThrowsError(try selectIndices(labels: labels, classCount: 4, options: DatasetOptions(perClass: 2, fraction: 0.5)))
    }

    func testSubsetDatasetMapsIndicesAndChangesFingerprint() throws {
        let data = try SyntheticShapesDataset(count: 50, seed: 5)
        let subset = try data.applying(DatasetOptions(perClass: 2, seed: 4))
        XCTAssertEqual(subset.count, 20)
        XCTAssertEqual(subset.labels.filter { $0 == 3 }.count, 2)
        XCTAssertNotEqual(subset.fingerprint, data.fingerprint)
        guard let view = subset as? SubsetDataset else { return XCTFail("expected a SubsetDataset") }
        XCTAssertEqual(try subset.batch([5]).images, try data.batch([view.baseIndices[5]]).images)
        XCTAssertEqual(try data.applying(DatasetOptions()).count, 50)
        XCTAssertThrowsError(try subset.batch([20]))
    }

    func testSyntheticShapesAreDeterministicAndDistinct() throws {
        let a = SyntheticShapesDataset.render(seed: 11, index: 123)
        XCTAssertEqual(a, SyntheticShapesDataset.render(seed: 11, index: 123))
        XCTAssertNotEqual(a, SyntheticShapesDataset.render(seed: 12, index: 123))
        XCTAssertEqual(SyntheticShapesDataset.shapeNames.count, 10)
        XCTAssertEqual(Set(SyntheticShapesDataset.shapeNames).count, 10)
        // Images of different classes differ, every image has real contrast, and values stay in [0, 1].
        var images = [PixelImage]()
        for index in 0..<10 {
            let image = SyntheticShapesDataset.render(seed: 1, index: index)
            XCTAssertEqual([image.width, image.height, image.channels], [32, 32, 3])
            XCTAssertTrue(image.values.allSatisfy { $0 >= 0 && $0 <= 1 })
            let luma = image.converted(toChannels: 1).values
            XCTAssertGreaterThan((luma.max() ?? 0) - (luma.min() ?? 0), 0.25, "class \(index) lacks contrast")
            for other in images { XCTAssertNotEqual(other.values, image.values) }
            images.append(image)
        }
        let first = try SyntheticShapesDataset(count: 20, seed: 2)
        let second = try SyntheticShapesDataset(count: 1000, seed: 2)
        XCTAssertEqual(try first.batch([13]).images, try second.batch([13]).images)
        XCTAssertEqual(first.fingerprint, try SyntheticShapesDataset(count: 20, seed: 2).fingerprint)
        XCTAssertNotEqual(first.fingerprint, try SyntheticShapesDataset(count: 20, seed: 3).fingerprint)
    }

    func testSyntheticShapesClassesAreSeparableByASimpleFeature() throws {
        // Horizontal stripes vary along y, vertical along x: mean |vertical gradient| vs |horizontal gradient|.
        func gradients(_ image: PixelImage) -> (dx: Float, dy: Float) {
            let g = image.converted(toChannels: 1).values
            var dx: Float = 0, dy: Float = 0
            for y in 0..<31 { for x in 0..<31 {
                dx += abs(g[y * 32 + x + 1] - g[y * 32 + x]); dy += abs(g[(y + 1) * 32 + x] - g[y * 32 + x])
            } }
            return (dx, dy)
        }
        for n in 0..<5 {
            let horizontal = gradients(SyntheticShapesDataset.render(seed: 8, index: 10 * n + 3))
            let vertical = gradients(SyntheticShapesDataset.render(seed: 8, index: 10 * n + 4))
            XCTAssertGreaterThan(horizontal.dy, 2 * horizontal.dx)
            XCTAssertGreaterThan(vertical.dx, 2 * vertical.dy)
        }
    }
}

/// A seeded generator for shuffling test inputs.
struct TestGenerator: RandomNumberGenerator {
    nonisolated(unsafe) static var shared = TestGenerator()
    private var inner = SeededGenerator(seed: 99)
    mutating func next() -> UInt64 { inner.next() }
}
