/// Valid Rucio replies as the Rucio emulator (and the real Rucio REST API it follows) sends them: the
/// `application/x-json-stream` listings (one JSON document per line) of DIDs and replicas, and the plain JSON
/// replies for one DID, its metadata, an RSE, the scopes and errors.
enum RucioCorpus {
    static let seeds: [FuzzSeed] = [
        .lines("did-stream", [
            #"{"scope":"user.alice","name":"data2024","type":"CONTAINER","bytes":null,"adler32":null,"md5":null}"#,
            #"{"scope":"user.alice","name":"run-01","type":"DATASET","bytes":3145728,"adler32":null,"md5":null}"#,
            #"{"scope":"user.alice","name":"run-01/file.root","type":"FILE","bytes":1048576,"adler32":"0a1b2c3d","md5":"d41d8cd98f00b204e9800998ecf8427e"}"#,
            #"{"scope":"mc16","name":".hidden:odd%name","type":"F","bytes":"42","adler32":"ffffffff","md5":null}"#,
        ]),
        .lines("did-stream", [
            #"{"scope":"user.alice","name":"run-02","type":"DATASET","parent":{"scope":"user.alice","name":"data2024"},"level":0,"bytes":null}"#,
            #"{"scope":"user.alice","name":"x","did_type":"FILE","bytes":0,"length":1,"updated_at":"Tue, 21 Jul 2026 10:00:00 UTC","created_at":"Mon, 20 Jul 2026 09:00:00 UTC","open":true}"#,
        ]),
        .lines("replica-stream", [
            #"{"scope":"user.alice","name":"file.root","bytes":1048576,"adler32":"0a1b2c3d","md5":null,"pfns":{"https://storage-a.example.org:443/rucio/user/alice/0a/1b/file.root":{"rse_id":"a1","rse":"SITE_A","type":"DISK","domain":"wan","priority":1,"client_extract":false,"volatile":false},"davs://storage-b.example.org:443/rucio/user/alice/0a/1b/file.root":{"rse_id":"b1","rse":"SITE_B","type":"DISK","domain":"wan","priority":2,"client_extract":false}},"rses":{"SITE_A":["https://storage-a.example.org:443/rucio/user/alice/0a/1b/file.root"],"SITE_B":["davs://storage-b.example.org:443/rucio/user/alice/0a/1b/file.root"]},"states":{"SITE_A":"AVAILABLE","SITE_B":"AVAILABLE"}}"#,
            #"{"scope":"user.alice","name":"tape.root","bytes":"77","pfns":{"root://tape.example.org:1094//t/tape.root":{"rse":"TAPE_1","type":"TAPE","domain":"wan","priority":1}},"rses":{"TAPE_1":["root://tape.example.org:1094//t/tape.root"],"SITE_C":["http://c.example.org/x"]},"states":{"TAPE_1":"COPYING"}}"#,
        ]),
        .json("did", #"{"scope":"user.alice","name":"run-01","type":"DATASET","account":"alice","open":false,"monotonic":false,"expired_at":null,"length":3,"bytes":3145728}"#),
        .json("did", #"{"scope":"user.alice","name":"run-01/file.root","type":"FILE","account":"alice","bytes":1048576,"length":1,"md5":null,"adler32":"0a1b2c3d","updated_at":"Tue, 21 Jul 2026 10:00:00 UTC"}"#),
        .json("meta", #"{"scope":"user.alice","name":"run-01","account":"alice","did_type":"DATASET","is_open":true,"monotonic":false,"hidden":false,"complete":null,"bytes":3145728,"length":3,"events":12000,"energy":13.6,"campaign":"mc16a","tags":["a","b"],"nested":{"x":[1,{"y":null}]},"created_at":"Tue, 21 Jul 2026 10:00:00 UTC"}"#),
        .json("rse", #"{"rse":"SITE_A","id":"a1","rse_type":"DISK","deterministic":true,"lfn2pfn_algorithm":"hash","availability_write":true,"protocols":[{"scheme":"https","hostname":"storage-a.example.org","port":443,"prefix":"/rucio/","impl":"rucio.rse.protocols.webdav.Default","domains":{"lan":{"read":1,"write":1,"delete":1},"wan":{"read":1,"write":1,"delete":1,"third_party_copy_read":1}}},{"scheme":"root","hostname":"xrd.example.org","port":"1094","prefix":"//rucio","domains":{"wan":{"read":2,"write":0}}}]}"#),
        .json("scopes", #"["user.alice","mc16","data18_13TeV","group.phys"]"#),
        .json("error-body", #"{"ExceptionClass":"DataIdentifierNotFound","ExceptionMessage":"Data identifier 'user.alice:nope' not found"}"#),
    ]
}
