import Foundation
import LoupeFuzzEntries
import LoupeTestSupport
import XCTest

/// Replays every input kept in `Tests/Fixtures/crashers/<target>/` through the fuzz target's own entry code.
///
/// A crash, abort or runaway allocation here kills the test process, which is the failure; an
/// input must otherwise be accepted or refused with a typed one-line error.
final class CrasherReplayTests: XCTestCase {
    /// The kept inputs of one target, sorted by name.
    private func crashers(_ target: FuzzTarget) throws -> [(name: String, data: Data)] {
        let folder = fixturesDirectory.appendingPathComponent("crashers").appendingPathComponent(target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    func testEveryKeptCrasherIsHandledWithOneLineTypedError() throws {
        var replayed = 0
        for target in FuzzTarget.allCases {
            for (name, data) in try crashers(target) {
                switch target.run(data) {
                case .accepted:
                    break
                case .refused(let message):
                    XCTAssertFalse(message.contains("\n") || message.contains("\r"), "\(target)/\(name): error spans lines: \(message)")
                case .refusedUntyped(let message):
                    XCTFail("\(target)/\(name): refused with an error that is not a LoupeError: \(message)")
                }
                replayed += 1
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, 7, "the crashers folder lost its files")
    }

    /// The hostile inputs issue 19 describes, and the fuzzer's allocation findings, are refused, not accepted.
    func testIssueInputsAreRefused() throws {
        let expected: [(FuzzTarget, String, String)] = [
            (.onnx, "pad_2pow20.onnx", "memory budget"),
            (.onnx, "resize_scales_1e6.onnx", "memory budget"),
            (.onnx, "maxpool_declared_200M_rows.onnx", "memory budget"),
            (.onnx, "input_dim_2pow31.onnx", "memory budget"),
            (.onnx, "range_2pow27.onnx", "elements needs more than the memory budget"),
            (.onnx, "oom-3b331177867af2db4b3ef2a6152580a6709d5735", "elements needs more than the memory budget"),  // ConstantOfShape of 9.5 GB
            (.npy, "npz_trailing_bytes.npz", "x.npy"),
            (.image, "idx_gzip_bomb.gz", "header declares"),
            (.config, "deep_nesting.json", "line 1"),
        ]
        for (target, name, phrase) in expected {
            guard let data = try crashers(target).first(where: { $0.name == name })?.data else {
                XCTFail("Tests/Fixtures/crashers/\(target)/\(name) is missing")
                continue
            }
            guard case .refused(let message) = target.run(data) else {
                XCTFail("\(target)/\(name) was not refused with a LoupeError")
                continue
            }
            XCTAssertTrue(message.contains(phrase), "\(target)/\(name): expected '\(phrase)' in: \(message)")
        }
    }

    /// Valid fixtures pass every parser of their target, so the entries reach the parsers' far end.
    func testValidFixturesAreAccepted() throws {
        let valid: [(FuzzTarget, String, String)] = [
            (.onnx, "models", "mnist_mlp.onnx"), (.onnx, "models", "cifar_cnn.onnx"), (.onnx, "ops", "resize_linear_half_pixel.onnx"),
            (.npy, "data/arrays", "images_nchw.npy"), (.npy, "npz", "sample_compressed.npz"),
            (.image, "data", "known_rgba.png"), (.image, "data", "gray.jpg"), (.image, "data/idx", "tiny-images-idx3-ubyte.gz"),
            (.image, "data/cifar", "tiny_batch.bin"),
        ]
        for (target, group, file) in valid {
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(group, file)))
            XCTAssertEqual(target.run(data), .accepted, "\(group)/\(file) through the \(target) target")
        }
        let model = Fixtures.path("models", "mnist_mlp.onnx")
        let config = #"{"jobs": [{"name": "fuzz", "model": {"path": "\#(model)"}, "dataset": {"kind": "synthetic-shapes", "count": 8}}]}"#
        XCTAssertEqual(FuzzTarget.config.run(Data(config.utf8)), .accepted)
    }
}
