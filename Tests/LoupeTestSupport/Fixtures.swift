import Foundation
import LoupeTensor

/// One case of a fixture manifest (`Tests/Fixtures/*/manifest.json`).
public struct FixtureCase: Decodable {
    public var name: String
    public var model: String
    public var inputs: [String: String]?
    public var outputs: [String: String]?
    public var op: String?
    public var opset: Int?
    public var batch: Int?
    public var parameters: Int?
    public var weights: WeightsRecipe?
    public var expect: String?
    public var expectAll: [String]?
    public var expectAny: [String]?
    public var notes: String?

    enum CodingKeys: String, CodingKey {
        case name, model, inputs, outputs, op, opset, batch, parameters, weights, expect, notes
        case expectAll = "expect_all", expectAny = "expect_any"
    }
}

/// The recipe that regenerates a large model's external weights file (see `Tests/Fixtures/fixturelib.py`).
public struct WeightsRecipe: Decodable {
    public struct Entry: Decodable {
        public var index: Int
        public var name: String
        public var shape: [Int]
        public var scale: Double
        public var offset: Int
        public var length: Int
    }
    public var generator: String
    public var file: String
    public var fileSize: Int
    public var tensors: [Entry]

    enum CodingKeys: String, CodingKey {
        case generator, file, tensors
        case fileSize = "file_size"
    }

    /// The weights file's bytes, generated with loupe-xorshift.
    public func generate() -> Data {
        var bytes = [UInt8](repeating: 0, count: fileSize)
        for entry in tensors {
            var state = UInt32(truncatingIfNeeded: 0x9E37_79B9 ^ ((UInt64(entry.index + 1) &* 2_654_435_761) & 0xFFFF_FFFF))
            if state == 0 { state = 1 }
            let count = entry.length / 4
            bytes.withUnsafeMutableBytes { raw in
                for k in 0..<count {
                    state ^= state << 13
                    state ^= state >> 17
                    state ^= state << 5
                    let u = Double(state >> 8) / 16_777_216.0
                    let value = Float((2 * u - 1) * entry.scale)
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: entry.offset + 4 * k, as: UInt32.self)
                }
            }
        }
        return Data(bytes)
    }
}

/// Reads fixture manifests and prepares model folders.
public enum Fixtures {
    /// The cases of `Tests/Fixtures/<group>/<manifest>` (`manifest.json` unless named).
    public static func cases(_ group: String, manifest: String = "manifest.json") throws -> [FixtureCase] {
        let url = fixturesDirectory.appendingPathComponent(group).appendingPathComponent(manifest)
        return try JSONDecoder().decode([FixtureCase].self, from: Data(contentsOf: url))
    }

    /// Path of a file inside a fixture group.
    public static func path(_ group: String, _ file: String) -> String {
        fixturesDirectory.appendingPathComponent(group).appendingPathComponent(file).path
    }

    /// The model path of a case; for cases with a weights recipe, a temporary folder holding the
    /// graph and its regenerated weights file.
    public static func modelPath(_ group: String, _ fixture: FixtureCase) throws -> String {
        guard let recipe = fixture.weights else { return path(group, fixture.model) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-fixture-\(fixture.name)-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let modelURL = folder.appendingPathComponent(fixture.model)
        let weightsURL = folder.appendingPathComponent(recipe.file)
        if !FileManager.default.fileExists(atPath: weightsURL.path) {
            try recipe.generate().write(to: weightsURL)
        }
        if !FileManager.default.fileExists(atPath: modelURL.path) {
            try FileManager.default.copyItem(atPath: path(group, fixture.model), toPath: modelURL.path)
        }
        return modelURL.path
    }

    /// Reads a float NPY fixture.
    public static func array(_ group: String, _ file: String) throws -> Tensor {
        try NPY.read(path: path(group, file)).asFloat
    }
}
