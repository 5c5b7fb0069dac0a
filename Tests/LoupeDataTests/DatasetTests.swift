import Foundation
@testable import LoupeData
import LoupeTensor
import LoupeTestSupport
import XCTest

final class DatasetTests: XCTestCase {
    func testImageFolderScansClassesAndIgnoresOtherFiles() throws {
        let data = try ImageFolderDataset(root: fixture("folder"), preprocessing: Preprocessing())
        XCTAssertEqual(data.classNames, ["cat", "dog"])
        XCTAssertEqual(data.files, ["cat/a.png", "cat/b.jpg", "dog/c.png", "dog/d.jpeg"])
        XCTAssertEqual(data.labels, [0, 0, 1, 1])
        XCTAssertEqual(data.ignoredFileCount, 1)
        XCTAssertEqual(data.sampleShape, [3, 12, 16])
        XCTAssertTrue(data.fingerprint.hasPrefix("fnv1a64:"))
        // Batch rows are exactly the decoded files, in the order asked.
        let (images, labels) = try data.batch([3, 0])
        XCTAssertEqual(images.shape, [2, 3, 12, 16])
        XCTAssertEqual(labels, [1, 0])
        for (row, index) in [3, 0].enumerated() {
            let expected = Preprocessing().apply(try ImageCodec.decodeFile(atPath: data.path(of: index)).pixelImage)
            XCTAssertEqual(images.slice(batch: row..<(row + 1)).scalars, expected.scalars)
        }
    }

    func testImageFolderPreprocessingAndGrayModel() throws {
        let p = Preprocessing(channels: 1, resizeShortSide: 8, centerCrop: [6, 6], mean: [0.5], std: [0.5])
        let data = try ImageFolderDataset(root: fixture("folder"), preprocessing: p)
        XCTAssertEqual(data.sampleShape, [1, 6, 6])
        let (images, _) = try data.batch([0, 1, 2, 3])
        XCTAssertEqual(images.shape, [4, 1, 6, 6])
        XCTAssertTrue(images.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    func testImageFolderWithABadImageNamesIt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-folder-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("known_rgb.png"), toPath: root + "/a/good.png")
        try FileManager.default.copyItem(atPath: fixture("truncated.jpg"), toPath: root + "/a/zbad.jpg")
        let data = try ImageFolderDataset(root: root, preprocessing: Preprocessing())
        XCTAssertNoThrow(try data.batch([0]))
        assertRefusal(root + "/a/zbad.jpg", mentions: "truncated") { _ = try data.batch([0, 1]) }
        assertRefusal(root, mentions: "out of range") { _ = try data.batch([2]) }
    }

    func testImageFolderFollowsASymlinkedClassFolder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-links-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/kitten", withDestinationPath: fixture("folder/cat"))
        let data = try ImageFolderDataset(root: root, preprocessing: Preprocessing())
        XCTAssertEqual(data.classNames, ["kitten"])
        XCTAssertEqual(data.files, ["kitten/a.png", "kitten/b.jpg"])
        XCTAssertEqual(try data.batch([1]).images.shape, [1, 3, 12, 16])
    }

    func testIDXReadsRowsAndChecksSizes() throws {
        let data = try IDXDataset(imagesPath: fixture("idx/tiny-images-idx3-ubyte.gz"), labelsPath: fixture("idx/tiny-labels-idx1-ubyte"))
        XCTAssertEqual(data.count, 5)
        XCTAssertEqual(data.labels, [3, 1, 4, 1, 5])
        XCTAssertEqual(data.sampleShape, [1, 4, 3])
        let expected = try npyBytes("idx/tiny_images.npy")
        let (images, labels) = try data.batch([4, 2])
        XCTAssertEqual(labels, [5, 4])
        XCTAssertEqual(images.scalars, (Array(expected[48..<60]) + Array(expected[24..<36])).map { Float($0) / 255 })
        let short = fixture("idx/short-images-idx3-ubyte")
        assertRefusal(short, mentions: "5x4x3") { _ = try IDXDataset(imagesPath: short, labelsPath: fixture("idx/tiny-labels-idx1-ubyte")) }
        let labelsPath = fixture("idx/tiny-labels-idx1-ubyte")
        assertRefusal(labelsPath, mentions: "sample 0: label 3 is out of range for 3 classes") {
            _ = try IDXDataset(imagesPath: fixture("idx/tiny-images-idx3-ubyte.gz"), labelsPath: labelsPath, classNames: ["a", "b", "c"])
        }
        assertRefusal(labelsPath, mentions: "magic is 2049") { _ = try IDXDataset(imagesPath: labelsPath, labelsPath: labelsPath) }
    }

    func testCIFARRecordsLabelsAndClassNames() throws {
        let data = try CIFARDataset(paths: [fixture("cifar/tiny_batch.bin")])
        XCTAssertEqual(data.classNames.count, 10)
        XCTAssertEqual(data.classNames[9], "truck")
        XCTAssertEqual(data.labels, [9, 0, 3, 3])
        XCTAssertEqual(data.sampleShape, [3, 32, 32])
        let expected = try npyBytes("cifar/tiny_images.npy") // N, C, H, W planar: same layout as the batch
        let (images, labels) = try data.batch([2, 0])
        XCTAssertEqual(labels, [3, 9])
        XCTAssertEqual(images.scalars, (Array(expected[6144..<9216]) + Array(expected[0..<3072])).map { Float($0) / 255 })
        // Two files concatenate; a bad label is refused naming the file and record.
        let bad = fixture("cifar/bad_label.bin")
        assertRefusal(bad, mentions: "sample 1: label 10 is out of range for 10 classes") { _ = try CIFARDataset(paths: [bad]) }
        let twice = try CIFARDataset(paths: [fixture("cifar/tiny_batch.bin"), fixture("cifar/tiny_batch.bin")], classNames: (0..<10).map { "c\($0)" })
        XCTAssertEqual(twice.count, 8)
        XCTAssertEqual(try twice.batch([6]).images, try data.batch([2]).images)
        let idx = fixture("idx/tiny-labels-idx1-ubyte")
        assertRefusal(idx, mentions: "multiple of the cifar10 record size") { _ = try CIFARDataset(paths: [idx], classNames: ["x"]) }
    }

    func testCIFAR100FineAndCoarseLabels() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-cifar100-\(getpid()).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Two records: (coarse 1, fine 4) with pixels all 10, then (coarse 0, fine 2) with pixels 0...3071 mod 256.
        var bytes: [UInt8] = [1, 4] + [UInt8](repeating: 10, count: 3072)
        bytes += [0, 2] + (0..<3072).map { UInt8($0 % 256) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fine = try CIFARDataset(paths: [path], variant: .cifar100Fine, classNames: (0..<100).map { "f\($0)" })
        XCTAssertEqual(fine.labels, [4, 2])
        let coarse = try CIFARDataset(paths: [path], variant: .cifar100Coarse, classNames: (0..<20).map { "c\($0)" })
        XCTAssertEqual(coarse.labels, [1, 0])
        let (images, _) = try fine.batch([1, 0])
        XCTAssertEqual(Array(images.scalars[0..<3]), [0, 1, 2].map { Float($0) / 255 })
        XCTAssertEqual(images.scalars[3072], 10 / 255)
        assertRefusal(path, mentions: "label 4 is out of range for 3 classes") {
            _ = try CIFARDataset(paths: [path], variant: .cifar100Fine, classNames: ["a", "b", "c"])
        }
    }

    func testNPYArraysNCHWFloatLazy() throws {
        let data = try ArrayDataset(imagesPath: fixture("arrays/images_nchw.npy"), labelsPath: fixture("arrays/labels.npy"),
                                    preprocessing: Preprocessing())
        XCTAssertEqual(data.layout, .nchw)
        XCTAssertEqual(data.classNames, ["0", "1", "2"])
        XCTAssertEqual(data.sampleShape, [3, 6, 5])
        let (images, labels) = try data.batch([5, 1])
        XCTAssertEqual(labels, [2, 1])
        // The NPY holds the same values as the NPZ's bytes / 255 (checked against the raw file rows).
        let rows = try NPYRows(path: fixture("arrays/images_nchw.npy"))
        XCTAssertEqual(rows.shape, [6, 3, 6, 5])
        let all = try rows.readAll().map { Float($0) }
        assertClose(images, Tensor(shape: [2, 3, 6, 5], scalars: Array(all[450..<540]) + Array(all[90..<180])), relativeTo: 1e-7)
        let bad = fixture("arrays/labels_bad.npy")
        assertRefusal(bad, mentions: "sample 2: label 7 is out of range for 3 classes") {
            _ = try ArrayDataset(imagesPath: fixture("arrays/images_nchw.npy"), labelsPath: bad, classNames: ["a", "b", "c"],
                                 preprocessing: Preprocessing())
        }
        let notNPY = fixture("known_rgb.png")
        assertRefusal(notNPY, mentions: "not an NPY file") { _ = try NPYRows(path: notNPY) }
    }

    func testNPZArraysMatchNPY() throws {
        let npz = try ArrayDataset(npzPath: fixture("arrays/tiny.npz"), preprocessing: Preprocessing())
        XCTAssertEqual(npz.layout, .nhwc)
        let npy = try ArrayDataset(imagesPath: fixture("arrays/images_nchw.npy"), labelsPath: fixture("arrays/labels.npy"),
                                   preprocessing: Preprocessing())
        assertClose(try npz.batch([0, 3, 5]).images, try npy.batch([0, 3, 5]).images, relativeTo: 1e-6)
        let xy = try ArrayDataset(npzPath: fixture("arrays/tiny_xy.npz"), preprocessing: Preprocessing())
        XCTAssertEqual(try xy.batch([1]).images, try npz.batch([1]).images)
        let path = fixture("arrays/tiny.npz")
        assertRefusal(path, mentions: "no array named 'pixels'") { _ = try ArrayDataset(npzPath: path, imagesKey: "pixels", preprocessing: Preprocessing()) }
    }

    func testLayoutDetection() throws {
        func describe(_ shape: [Int], _ layout: ArrayDataset.Layout? = nil) throws -> String {
            let (l, c, h, w) = try ArrayDataset.geometry(shape: shape, layout: layout, file: "a.npy")
            return "\(l.rawValue) \(c) \(h) \(w)"
        }
        XCTAssertEqual(try describe([10, 28, 28]), "nhwc 1 28 28")
        XCTAssertEqual(try describe([10, 32, 32, 3]), "nhwc 3 32 32")
        XCTAssertEqual(try describe([10, 1, 28, 28]), "nchw 1 28 28")
        XCTAssertEqual(try describe([10, 3, 5, 3], .nchw), "nchw 3 5 3")
        assertRefusal("a.npy", mentions: "cannot tell NCHW from NHWC") { _ = try describe([10, 3, 5, 3]) }
        assertRefusal("a.npy", mentions: "cannot tell") { _ = try describe([10, 5, 5, 5]) }
        assertRefusal("a.npy", mentions: "need 1, 3 or 4 channels") { _ = try describe([10, 5, 5, 5], .nhwc) }
    }
}
