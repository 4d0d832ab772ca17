import BackendKit

/// Names Agave's tests and fuzzers know these shared parts by (they moved to BackendKit when Tapis joined).
public typealias AgaveJobCaching = JobCaching
typealias AgaveTimestamp = ISOTimestamp
typealias AgaveJobDocuments = ResultDocuments
