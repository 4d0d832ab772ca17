/// Valid JDMA replies as the JDMA emulator (and the real `jdma_control` REST API it follows) sends them: batches
/// (`migration`), requests, the file listing with archives and digests, storage backends, user info, errors.
enum JDMACorpus {
    static let seeds: [FuzzSeed] = [
        .json("batch-list", """
            {"migrations":[
             {"migration_id":12,"user":"alice","workspace":"gws-climate","label":"run1 outputs","stage":2,
              "storage":"elastictape","external_id":"et-4471","registered_date":"2024-03-01 10:00:00.000000+00:00"},
             {"migration_id":"13","user":"alice","workspace":"gws-climate","label":null,"stage":"0","storage":"objectstore"},
             {"migration_id":14,"user":"alice","workspace":"gws-climate","label":"run1 outputs","stage":1,"storage":"elastictape"},
             {"migration_id":15,"user":"alice","workspace":"gws-climate","label":"a/b","stage":5,"storage":"elastictape"}]}
            """),
        .json("batch", """
            {"migration_id":12,"user":"alice","workspace":"gws-climate","label":"run1 outputs","stage":2,
             "storage":"elastictape","external_id":"et-4471","registered_date":"2024-03-01 10:00:00.000000+00:00"}
            """),
        .json("file-listing", """
            {"migrations":[{"migration_id":12,"user":"alice","workspace":"gws-climate","label":"run1 outputs",
              "storage":"elastictape","archives":[{"archive_id":"gws-climate_12_0000","pk":901,"size":3072,"limit":1,
               "digest":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","digest_format":"SHA256",
               "files":[{"pk ":1,"path":"/gws/nopw/j04/gws-climate/alice/run1/a.nc","size":1024,
                 "digest":"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","digest_format":"SHA256"},
                {"pk ":2,"path":"/gws/nopw/j04/gws-climate/alice/run1/sub/b.nc","size":"2048","digest":null,"digest_format":null},
                {"pk ":3,"path":"/gws/nopw/j04/gws-climate/alice/run1/./sub/../c.nc","size":-1}]}]}]}
            """),
        .json("request", """
            {"request_id":88,"user":"alice","request_type":1,"migration_id":12,"label":"run1 outputs",
             "workspace":"gws-climate","storage":"elastictape","stage":102,"date":"2024-03-02 09:00:00.000000+00:00",
             "filelist":["/gws/nopw/j04/gws-climate/alice/run1/a.nc"],"target_path":"/gws/staging/get/12"}
            """),
        .json("request", #"{"request_id":"89","request_type":"0","batch_id":"14","stage":1000,"failure_reason":"quota exceeded"}"#),
        .json("request-list", """
            {"requests":[{"request_id":88,"request_type":1,"migration_id":12,"stage":106},
                         {"request_id":90,"request_type":3,"migration_id":15,"stage":204,"failure_reason":null}]}
            """),
        .json("storage", #"{"elastictape":"Elastic Tape","objectstore":"Object Store","ftp":"FTP"}"#),
        .json("user-info", #"{"name":"alice","email":"alice@example.org","notify":true}"#),
        .json("error-body", #"{"error":"Migration with id 99 not found"}"#),
    ]
}
