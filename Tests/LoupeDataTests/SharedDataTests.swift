import Foundation
import LoupeData
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Tests on the real datasets in `../shared/data` (see its PROVENANCE.md); skipped when absent.
final class SharedDataTests: XCTestCase {
    /// `../shared/data`, or a skip.
    func sharedData() throws -> String {
        guard let shared = sharedDirectory else { throw XCTSkip("../shared is absent: real-data tests skipped") }
        return shared.appendingPathComponent("data").path
    }

    func testMNISTTestSet() throws {
        let root = try sharedData() + "/mnist"
        let data = try IDXDataset(imagesPath: root + "/t10k-images-idx3-ubyte.gz", labelsPath: root + "/t10k-labels-idx1-ubyte.gz")
        XCTAssertEqual(data.count, 10_000)
        XCTAssertEqual(data.sampleShape, [1, 28, 28])
        var counts = [Int](repeating: 0, count: 10)
        for label in data.labels { counts[label] += 1 }
        XCTAssertEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        // Pixel sums of the first and last images, from numpy on the decompressed file.
        let (images, labels) = try data.batch([0, 9999])
        XCTAssertEqual(labels, [7, 6])
        let first = images.slice(batch: 0..<1).scalars.reduce(0) { $0 + Double($1) * 255 }
        let last = images.slice(batch: 1..<2).scalars.reduce(0) { $0 + Double($1) * 255 }
        XCTAssertEqual(first, 18454, accuracy: 0.5)
        XCTAssertEqual(last, 41833, accuracy: 0.5)
    }

    func testCIFARPart1() throws {
        let root = try sharedData() + "/cifar10"
        let data = try CIFARDataset(paths: [root + "/test_batch_part1.bin"])
        XCTAssertEqual(data.count, 1000)
        XCTAssertEqual(data.classNames, ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"])
        var counts = [Int](repeating: 0, count: 10)
        for label in data.labels { counts[label] += 1 }
        XCTAssertEqual(counts, [103, 89, 100, 103, 90, 86, 112, 102, 106, 109])
        XCTAssertEqual(Array(data.labels.prefix(10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1])
        let (images, _) = try data.batch([0, 999])
        XCTAssertEqual(images.slice(batch: 0..<1).scalars.reduce(0) { $0 + Double($1) * 255 }, 332_962, accuracy: 0.5)
        XCTAssertEqual(images.slice(batch: 1..<2).scalars.reduce(0) { $0 + Double($1) * 255 }, 461_083, accuracy: 0.5)
    }

    func testPhotosDecodeToPillowsPixels() throws {
        let root = try sharedData() + "/photos"
        // (file, width, height, sum of all RGB bytes as decoded by Pillow)
        let expected: [(String, Int, Int, Int)] = [
            ("astronaut.png", 512, 512, 90_124_324), ("chelsea.png", 451, 300, 46_802_357),
            ("china.png", 640, 427, 117_812_912), ("coffee.png", 600, 400, 71_003_487),
            ("flower.png", 640, 427, 50_751_787), ("hubble_deep_field.png", 1000, 872, 50_108_051),
            ("ihc.png", 512, 512, 126_084_883), ("rocket.png", 640, 427, 53_516_744),
        ]
        for (file, width, height, sum) in expected {
            let image = try ImageCodec.decodeFile(atPath: root + "/" + file)
            XCTAssertEqual([image.width, image.height, image.channels], [width, height, 3], file)
            XCTAssertEqual(image.bytes.reduce(0) { $0 + Int($1) }, sum, file)
        }
    }
}
