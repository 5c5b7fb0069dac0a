/// Loupe's version, printed by `--version` and written into reports.
public enum LoupeVersion {
    public static let string = "0.1.0"
}
