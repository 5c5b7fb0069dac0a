import Foundation
import LoupeTensor

/// Decoding of `TensorProto` payloads (raw bytes, typed fields or external files).
extension ModelDecoder {
    /// Decodes a tensor; `location` names it in errors (e.g. `initializer 'conv1.weight'`).
    ///
    /// Sizes are validated with overflow-safe arithmetic before anything is allocated.
    func decodeTensor(_ proto: Onnx_TensorProto, location: String) throws -> TensorValue {
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(proto.dataType)) else {
            throw fail(location, "unknown data type \(proto.dataType)")
        }
        guard let format = ElementFormat(type) else {
            let what = type == .undefined ? "has no data type" : "data type \(dataTypeName(type)) is not supported"
            throw fail(location, what)
        }
        if proto.hasSegment { throw fail(location, "segmented tensors are not supported") }
        var shape: [Int] = []
        shape.reserveCapacity(proto.dims.count)
        for dim in proto.dims {
            guard dim >= 0 else { throw fail(location, "negative dimension \(dim) in dims \(proto.dims)") }
            shape.append(Int(dim))
        }
        guard let count = checkedProduct(shape) else { throw fail(location, "dims \(proto.dims) overflow") }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: format.itemSize)
        guard !overflow else { throw fail(location, "dims \(proto.dims) need more than \(Int.max) bytes") }
        // Decoded tensors hold Float (4 bytes) or Int (8 bytes) per element, whatever the file stores.
        func checkBudget() throws {
            let (decodedBytes, decodedOverflow) = count.multipliedReportingOverflow(by: format.isFloatingPoint ? 4 : 8)
            if decodedOverflow || decodedBytes > MemoryBudget.bytes {
                throw fail(location, "dims \(proto.dims) need more than the memory budget of \(MemoryBudget.bytes) bytes"
                           + " \(MemoryBudget.hint)")
            }
        }

        if proto.dataLocation == .external {
            try checkBudget()
            let bytes = try externalData.read(proto.externalData, byteCount: byteCount, location: location, fail: fail)
            return try bytes.withUnsafeBytes { try decodeRaw($0, format: format, shape: shape, count: count, location: location) }
        }
        if proto.hasRawData {
            guard proto.rawData.count == byteCount else {
                throw fail(location, "raw_data has \(proto.rawData.count) bytes but dims \(proto.dims) of \(dataTypeName(type)) need \(byteCount)")
            }
            try checkBudget()
            return try proto.rawData.withUnsafeBytes { try decodeRaw($0, format: format, shape: shape, count: count, location: location) }
        }
        try checkBudget()
        return try decodeTyped(proto, format: format, shape: shape, count: count, location: location)
    }

    /// Decodes little-endian raw bytes (any alignment) of exactly `count` elements.
    func decodeRaw(_ bytes: UnsafeRawBufferPointer, format: ElementFormat, shape: [Int], count: Int,
                   location: String) throws -> TensorValue {
        switch format {
        case .float32:
            return .float(Tensor(shape: shape, scalars: RawDecoding.float32(bytes, count: count)))
        case .float64:
            return .float(Tensor(shape: shape, scalars: RawDecoding.map(bytes, count: count, UInt64.self) { Float(Double(bitPattern: $0)) }))
        case .float16:
            return .float(Tensor(shape: shape, scalars: RawDecoding.map(bytes, count: count, UInt16.self) { halfToFloat($0) }))
        case .bfloat16:
            return .float(Tensor(shape: shape, scalars: RawDecoding.map(bytes, count: count, UInt16.self) { Float(bitPattern: UInt32($0) << 16) }))
        case .int8:
            return .int(IntTensor(shape: shape, values: RawDecoding.map(bytes, count: count, UInt8.self) { Int(Int8(bitPattern: $0)) }))
        case .uint8:
            return .int(IntTensor(shape: shape, values: RawDecoding.map(bytes, count: count, UInt8.self) { Int($0) }))
        case .bool:
            return .int(IntTensor(shape: shape, values: RawDecoding.map(bytes, count: count, UInt8.self) { $0 == 0 ? 0 : 1 }))
        case .int16:
            return .int(IntTensor(shape: shape, values: RawDecoding.map(bytes, count: count, UInt16.self) { Int(Int16(bitPattern: $0)) }))
        case .uint16:
            return .int(IntTensor(shape: shape, values: RawDecoding.map(bytes, count: count, UInt16.self) { Int($0) }))
        case .int32:
            return .int(IntTensor(shape: shape, values: RawDecoding.map(bytes, count: count, UInt32.self) { Int(Int32(bitPattern: $0)) }))
        case .uint32:
            return .int(IntTensor(shape: shape, values: RawDecoding.map(bytes, count: count, UInt32.self) { Int($0) }))
        case .int64:
            return .int(IntTensor(shape: shape, values: RawDecoding.map(bytes, count: count, UInt64.self) { Int(Int64(bitPattern: $0)) }))
        case .uint64:
            let values = RawDecoding.map(bytes, count: count, UInt64.self) { $0 }
            return .int(IntTensor(shape: shape, values: try uint64ToInt(values, location: location)))
        }
    }

    /// Decodes the typed repeated field that holds this data type.
    private func decodeTyped(_ proto: Onnx_TensorProto, format: ElementFormat, shape: [Int], count: Int,
                             location: String) throws -> TensorValue {
        func check(_ present: Int, _ field: String) throws {
            guard present == count else {
                throw fail(location, "\(field) has \(present) values but dims \(proto.dims) need \(count)")
            }
        }
        switch format {
        case .float32:
            try check(proto.floatData.count, "float_data")
            return .float(Tensor(shape: shape, scalars: proto.floatData))
        case .float64:
            try check(proto.doubleData.count, "double_data")
            return .float(Tensor(shape: shape, scalars: proto.doubleData.map { Float($0) }))
        case .float16, .bfloat16:
            try check(proto.int32Data.count, "int32_data")
            let bits = proto.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            let scalars = format == .float16 ? bits.map(halfToFloat) : bits.map { Float(bitPattern: UInt32($0) << 16) }
            return .float(Tensor(shape: shape, scalars: scalars))
        case .int8, .uint8, .int16, .uint16, .int32, .bool:
            try check(proto.int32Data.count, "int32_data")
            return .int(IntTensor(shape: shape, values: proto.int32Data.map { format == .bool ? ($0 == 0 ? 0 : 1) : Int($0) }))
        case .int64:
            try check(proto.int64Data.count, "int64_data")
            return .int(IntTensor(shape: shape, values: proto.int64Data.map { Int($0) }))
        case .uint32, .uint64:
            try check(proto.uint64Data.count, "uint64_data")
            return .int(IntTensor(shape: shape, values: try uint64ToInt(proto.uint64Data, location: location)))
        }
    }

    private func uint64ToInt(_ values: [UInt64], location: String) throws -> [Int] {
        var out = [Int]()
        out.reserveCapacity(values.count)
        for v in values {
            guard let i = Int(exactly: v) else { throw fail(location, "UINT64 value \(v) does not fit a signed 64-bit integer") }
            out.append(i)
        }
        return out
    }
}

/// How one supported ONNX data type is laid out in `raw_data`.
enum ElementFormat: Equatable {
    case float32, float64, float16, bfloat16
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64, bool

    init?(_ type: Onnx_TensorProto.DataType) {
        switch type {
        case .float: self = .float32
        case .double: self = .float64
        case .float16: self = .float16
        case .bfloat16: self = .bfloat16
        case .int8: self = .int8
        case .uint8: self = .uint8
        case .int16: self = .int16
        case .uint16: self = .uint16
        case .int32: self = .int32
        case .uint32: self = .uint32
        case .int64: self = .int64
        case .uint64: self = .uint64
        case .bool: self = .bool
        default: return nil
        }
    }

    /// Whether the elements decode to `Float` (else to `Int`).
    var isFloatingPoint: Bool { [.float32, .float64, .float16, .bfloat16].contains(self) }

    /// Bytes per element in `raw_data` and external files.
    var itemSize: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }
}

/// Element-wise decoding of little-endian bytes at any alignment.
enum RawDecoding {
    /// Float32 elements; a straight copy on little-endian hosts.
    static func float32(_ bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            #if _endian(little)
            if count > 0, let source = bytes.baseAddress, let target = buffer.baseAddress {
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: count * 4)
            }
            #else
            for i in 0..<count {
                buffer.initializeElement(at: i, to: Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
            }
            #endif
            initialized = count
        }
    }

    /// Loads `count` little-endian integers of type `T` and converts each.
    @inline(__always)
    static func map<T: FixedWidthInteger, R>(_ bytes: UnsafeRawBufferPointer, count: Int, _ type: T.Type,
                                             _ convert: (T) -> R) -> [R] {
        [R](unsafeUninitializedCapacity: count) { buffer, initialized in
            let size = MemoryLayout<T>.size
            for i in 0..<count {
                buffer.initializeElement(at: i, to: convert(T(littleEndian: bytes.loadUnaligned(fromByteOffset: size * i, as: T.self))))
            }
            initialized = count
        }
    }
}

/// Converts IEEE 754 half-precision bits to Float (subnormals, infinities and NaN included).
@inline(__always)
func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
    if exponent == 0 {
        // Zero or subnormal: mantissa * 2^-24.
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign == 0 ? magnitude : -magnitude
    }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
}
