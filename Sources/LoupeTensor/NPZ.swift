import Foundation

/// Reads and writes NumPy `.npz` archives (ZIP files of `.npy` arrays).
///
/// Reads archives written by `numpy.savez` and `numpy.savez_compressed`; writes uncompressed
/// archives that `numpy.load` reads.
public enum NPZ {
    /// Reads every array of the archive at `path`, keyed by name without the `.npy` suffix.
    public static func read(path: String) throws -> [String: TensorValue] {
        try read(data: RegularFile.contents(path), name: path)
    }

    /// Reads every array of an archive held in memory; `name` labels errors.
    public static func read(data: Data, name: String) throws -> [String: TensorValue] {
        let entries = try data.withUnsafeBytes {
            try ZipArchive.read($0, file: name, impliedSize: { prefix, entry in (try? NPYHeader.declaredFileSize(prefix, name: entry)) ?? nil })
        }
        var arrays: [String: TensorValue] = [:]
        for entry in entries {
            let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            guard arrays[key] == nil else {
                throw LoupeError(.invalidInput, file: name, location: "entry '\(entry.name)'", "duplicate array name '\(key)'")
            }
            do {
                arrays[key] = try NPY.read(data: entry.data, name: entry.name)
            } catch let error as LoupeError {
                // Report the archive as the file and the entry plus field as the location.
                let location = ["entry '\(entry.name)'", error.location].filter { !$0.isEmpty }.joined(separator: ": ")
                throw LoupeError(error.kind, file: name, location: location, error.reason)
            }
        }
        return arrays
    }

    /// Writes the arrays, in order, as an uncompressed archive at `path` (temporary name, then rename).
    ///
    /// Float arrays are stored as `<f4`, integer arrays as `<i8`.
    public static func write(_ arrays: [(String, TensorValue)], to path: String) throws {
        do {
            try writeAtomically(encode(arrays), to: path)
        } catch let error as LoupeError {
            throw error.inFile(path)
        }
    }

    /// Encodes the arrays as an uncompressed `.npz` archive.
    public static func encode(_ arrays: [(String, TensorValue)]) throws -> Data {
        var seen = Set<String>()
        var entries: [ZipArchive.Entry] = []
        for (name, value) in arrays {
            guard !name.isEmpty, seen.insert(name).inserted else {
                throw LoupeError(.invalidInput, location: "array '\(name)'", name.isEmpty ? "empty array name" : "duplicate array name")
            }
            let data = NPY.encode(value, as: value.isInt ? .int64 : .float32)
            entries.append(ZipArchive.Entry(name: name + ".npy", data: data))
        }
        return try ZipArchive.encode(entries)
    }
}
