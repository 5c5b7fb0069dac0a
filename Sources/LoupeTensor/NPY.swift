import Foundation

/// Reads and writes NumPy `.npy` arrays (format versions 1.0, 2.0 and 3.0, C order).
///
/// Floating dtypes (`<f4`, `<f8`) read as `.float`; integer and boolean dtypes (`|u1`, `<i8`,
/// `<i4`, `|b1`) as `.int`. Big-endian, object (pickled), structured and Fortran-order arrays
/// are refused. Every error names the file and the field.
public enum NPY {
    /// Reads the array stored in the file at `path`.
    public static func read(path: String) throws -> TensorValue {
        try read(data: RegularFile.contents(path), name: path)
    }

    /// Decodes a `.npy` image held in memory; `name` labels errors.
    public static func read(data: Data, name: String) throws -> TensorValue {
        try data.withUnsafeBytes { bytes in try decode(bytes, name: name) }
    }

    /// Decodes a `.npy` image from raw bytes.
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> TensorValue {
        let header = try NPYHeader.parse(bytes, name: name)
        guard let count = checkedProduct(header.shape) else {
            throw LoupeError(.invalidInput, file: name, location: "shape", "shape \(header.shape) overflows")
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: header.storage.itemSize)
        let present = bytes.count - header.dataOffset
        guard !overflow, expected == present else {
            let size = overflow ? "more than \(Int.max)" : "\(expected)"
            throw LoupeError(.invalidInput, file: name, location: "data",
                             "shape \(header.shape) needs \(size) bytes but \(present) are present")
        }
        // Decoded arrays hold Float (4 bytes) or Int (8 bytes) per element: uint8 data grows 8 times.
        let decodedItem = [.float32, .float64].contains(header.storage) ? MemoryLayout<Float>.size : MemoryLayout<Int>.size
        try MemoryBudget.check(checkedProduct([count, decodedItem]) ?? Int.max, file: name, location: "shape \(header.shape)",
                               what: "decoding needs")
        let payload = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset...])
        switch header.storage {
        case .float32:
            return .float(Tensor(shape: header.shape, scalars: decodeFloat32(payload, count: count)))
        case .float64:
            return .float(Tensor(shape: header.shape, scalars: decodeWidening(payload, count: count, as: Float64.self) { Float($0) }))
        case .uint8:
            return .int(IntTensor(shape: header.shape, values: payload.map { Int($0) }))
        case .bool:
            return .int(IntTensor(shape: header.shape, values: payload.map { $0 == 0 ? 0 : 1 }))
        case .int32:
            return .int(IntTensor(shape: header.shape, values: decodeWidening(payload, count: count, as: Int32.self) { Int($0) }))
        case .int64:
            return .int(IntTensor(shape: header.shape, values: decodeWidening(payload, count: count, as: Int64.self) { Int($0) }))
        }
    }

    /// Copies little-endian Float32 bytes into an array.
    static func decodeFloat32(_ payload: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                buffer[i] = Float(bitPattern: UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
            initialized = count
        }
    }

    /// Reads `count` little-endian fixed-width values, converting each.
    static func decodeWidening<T: FixedWidthIntegerOrFloat, R>(_ payload: UnsafeRawBufferPointer, count: Int, as type: T.Type,
                                                               _ convert: (T) -> R) -> [R] {
        [R](unsafeUninitializedCapacity: count) { buffer, initialized in
            let size = MemoryLayout<T>.size
            for i in 0..<count {
                buffer.initializeElement(at: i, to: convert(T.loadLittleEndian(payload, at: size * i)))
            }
            initialized = count
        }
    }

    /// Writes `value` to `path` as `dtype` (written to a temporary name, then renamed).
    ///
    /// Floats written as `uint8` are rounded and clamped to 0...255; floats written as `int64`
    /// are truncated toward zero.
    public static func write(_ value: TensorValue, to path: String, as dtype: NPYType = .float32) throws {
        try writeAtomically(encode(value, as: dtype), to: path)
    }

    /// Encodes `value` as a version 1.0 `.npy` image of the given dtype.
    public static func encode(_ value: TensorValue, as dtype: NPYType = .float32) -> Data {
        var out = Data(NPYHeader.encode(descr: dtype.rawValue, shape: value.shape))
        switch (dtype, value) {
        case (.float32, .float(let t)):
            #if _endian(little)
            t.scalars.withUnsafeBytes { out.append(contentsOf: $0) }
            #else
            appendLittleEndian(t.scalars.map { $0.bitPattern }, to: &out)
            #endif
        case (.float32, .int(let t)):
            appendLittleEndian(t.values.map { Float($0).bitPattern }, to: &out)
        case (.float64, .float(let t)):
            appendLittleEndian(t.scalars.map { Double($0).bitPattern }, to: &out)
        case (.float64, .int(let t)):
            appendLittleEndian(t.values.map { Double($0).bitPattern }, to: &out)
        case (.uint8, .float(let t)):
            out.append(contentsOf: t.scalars.map { UInt8(max(0, min(255, ($0.isNaN ? 0 : $0).rounded()))) })
        case (.uint8, .int(let t)):
            out.append(contentsOf: t.values.map { UInt8(max(0, min(255, $0))) })
        case (.int64, .float(let t)):
            appendLittleEndian(t.scalars.map { Int64(Tensor.clampedInt($0)) }, to: &out)
        case (.int64, .int(let t)):
            appendLittleEndian(t.values.map { Int64($0) }, to: &out)
        }
        return out
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ values: [T], to out: inout Data) {
        let little = values.map { $0.littleEndian }
        little.withUnsafeBytes { out.append(contentsOf: $0) }
    }
}

/// Writes `data` to a temporary file next to `path`, then renames it into place.
///
/// `what` names the file in the error when the write fails ("cannot write \(what)").
public func writeAtomically(_ data: Data, to path: String, what: String = "file") throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent()
        .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    do {
        try data.write(to: temporary)
    } catch {
        throw LoupeError(.io, file: path, "cannot write \(what)")
    }
    guard rename(temporary.path, url.path) == 0 else {
        try? FileManager.default.removeItem(at: temporary)
        throw LoupeError(.io, file: path, "cannot rename the temporary file into place")
    }
}

/// Fixed-width numbers loadable from little-endian bytes at any alignment.
protocol FixedWidthIntegerOrFloat {
    static func loadLittleEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Self
}

extension Int32: FixedWidthIntegerOrFloat {
    static func loadLittleEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int32 {
        Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }
}

extension Int64: FixedWidthIntegerOrFloat {
    static func loadLittleEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
    }
}

extension Float64: FixedWidthIntegerOrFloat {
    static func loadLittleEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Float64 {
        Float64(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
    }
}
