import LoupeTensor

/// Typed attribute access that reports the node and attribute on a mismatch.
extension Node {
    private func attributeError(_ key: String, _ reason: String) -> LoupeError {
        LoupeError(.invalidModel, location: "node '\(name)' (\(opType)) attribute '\(key)'", reason)
    }

    /// An integer attribute, or the default when absent.
    public func int(_ key: String, default value: Int) throws -> Int {
        switch attributes[key] {
        case nil: return value
        case .int(let v)?: return v
        default: throw attributeError(key, "expected an integer")
        }
    }

    /// A float attribute, or the default when absent.
    public func float(_ key: String, default value: Float) throws -> Float {
        switch attributes[key] {
        case nil: return value
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw attributeError(key, "expected a float")
        }
    }

    /// A string attribute, or the default when absent.
    public func string(_ key: String, default value: String) throws -> String {
        switch attributes[key] {
        case nil: return value
        case .string(let v)?: return v
        default: throw attributeError(key, "expected a string")
        }
    }

    /// An integer-list attribute, or nil when absent.
    public func ints(_ key: String) throws -> [Int]? {
        switch attributes[key] {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: throw attributeError(key, "expected a list of integers")
        }
    }

    /// A float-list attribute, or nil when absent.
    public func floats(_ key: String) throws -> [Float]? {
        switch attributes[key] {
        case nil: return nil
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        default: throw attributeError(key, "expected a list of floats")
        }
    }

    /// A tensor attribute, or nil when absent.
    public func tensor(_ key: String) throws -> TensorValue? {
        switch attributes[key] {
        case nil: return nil
        case .tensor(let v)?: return v
        default: throw attributeError(key, "expected a tensor")
        }
    }

    /// An error about this node, with its name and type in the location.
    public func error(_ reason: String) -> LoupeError {
        LoupeError(.invalidModel, location: "node '\(name)' (\(opType))", reason)
    }

    /// The input name at `index`, or nil when absent or omitted.
    public func input(_ index: Int) -> String? {
        index < inputs.count && !inputs[index].isEmpty ? inputs[index] : nil
    }
}
