/// Valid Tapis v3 replies, shaped as the Tapis emulator sends them and as tapipy 25.4.0's bundled specs describe
/// them (docs/protocols/tapis.md): the `{"status","message","result","version","commit","build","metadata"}` envelope
/// around file listings, systems, jobs, job history, transfer tasks, tokens and errors; and a bare JWT.
enum TapisCorpus {
    /// `{"typ":"JWT","alg":"RS256"}` . `{"tapis/username":"alice","tapis/tenant_id":"demo","exp":1900000000}` . signature
    static let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ0YXBpcy91c2VybmFtZSI6ImFsaWNlIiwidGFwaXMvdGVuYW50X2lkIjoiZGVtbyIsImV4cCI6MTkwMDAwMDAwMH0.c2lnbmF0dXJl"

    static let seeds: [FuzzSeed] = [
        .json("files-listing", """
            {"status":"success","message":"FILES_LIST_OK","result":[
             {"mimeType":"","type":"dir","owner":"1000","group":"1000","nativePermissions":"rwxr-xr-x",
              "url":"tapis://work/data/raw","lastModified":"2026-12-05T21:30:00.123Z","name":"raw","path":"data/raw","size":4096},
             {"mimeType":"text/csv","type":"file","owner":"1000","group":"1000","nativePermissions":"rw-rw-rw-",
              "url":"tapis://work/data/stations.csv","lastModified":"2021-04-29T14:46:51Z","name":"stations.csv",
              "path":"data/stations.csv","size":6253},
             {"type":"symbolic_link","name":"link","path":"/data/link","size":"12","nativePermissions":"rwsr-S--T",
              "lastModified":"2021-04-29T14:46:51.000+00:00"},
             {"type":"other","name":"fifo","path":null,"size":null,"lastModified":null,"nativePermissions":null}],
             "version":"1.8.2","commit":"abc","build":"x","metadata":{}}
            """),
        .json("files-listing", #"{"status":"success","message":"ok","result":[],"version":"1.8.2","metadata":null}"#),
        .json("systems", """
            {"status":"success","message":"TAPIS_FOUND","result":[
             {"id":"tacc-work","systemType":"LINUX","owner":"admin","host":"work.tapis.demo","effectiveUserId":"alice",
              "defaultAuthnMethod":"PKI_KEYS","canExec":false,"parentId":null},
             {"id":"s3-bucket","systemType":"S3","created":"2024-01-01T00:00:00Z","updated":"2024-02-01T00:00:00.5Z"}],
             "version":"1.8.2","metadata":{"recordCount":2,"recordLimit":100,"recordsSkipped":0,"orderBy":null,
             "startAfter":null,"totalCount":-1}}
            """),
        .json("jobs", """
            {"status":"success","message":"JOBS_LIST_OK","result":[
             {"uuid":"8a1b2c3d-0000-4000-a000-000000000001-007","name":"seismic-inversion","owner":"alice",
              "appId":"seismic-solver","created":"2026-12-05T19:30:00.000Z","status":"FINISHED",
              "condition":"NORMAL_COMPLETION","remoteStarted":"2026-12-05T19:30:06.000Z","ended":"2026-12-05T19:30:08.000Z",
              "tenant":"demo","execSystemId":"tacc-scratch","archiveSystemId":"tacc-work","appVersion":"1.0",
              "lastUpdated":"2026-12-05T19:30:08.000Z"},
             {"uuid":"j-2","status":"RUNNING","created":null,"remoteStarted":null,"ended":null}],
             "version":"1.8.2","metadata":{"recordCount":2,"recordLimit":100,"recordsSkipped":0,"totalCount":-1}}
            """),
        .json("job-record", """
            {"status":"success","message":"JOBS_GET_OK","result":{"id":4711,"name":"seismic-forecast","owner":"alice",
             "tenant":"demo","status":"RUNNING","condition":null,"created":"2026-12-05T21:29:50.000Z","ended":null,
             "lastUpdated":"2026-12-05T21:30:00.000Z","uuid":"8a1b2c3d-0000-4000-a000-000000000002-007",
             "appId":"seismic-solver","appVersion":"1.0","execSystemId":"tacc-scratch","archiveSystemId":"tacc-work",
             "archiveSystemDir":"/jobs/8a1b2c3d-0000-4000-a000-000000000002-007","nodeCount":1,"memoryMB":100,
             "fileInputs":"[]","parameterSet":"{}"},"version":"1.8.2","metadata":null}
            """),
        .json("job-history", """
            {"status":"success","message":"JOBS_HISTORY_OK","result":[
             {"event":"JOB_NEW_STATUS","created":"2026-12-05T21:29:50.000Z","eventDetail":"PENDING",
              "description":"The job has transitioned to a new status: PENDING.","transferTaskUuid":null},
             {"event":"JOB_NEW_STATUS","created":"2026-12-05T21:29:56.000Z","eventDetail":"RUNNING","description":"x"}],
             "version":"1.8.2","metadata":{"recordCount":2,"recordLimit":100,"recordsSkipped":0,"totalCount":2}}
            """),
        .json("transfer-task", """
            {"status":"success","message":"FILES_TXFR_OK","result":{"username":"alice","tenantId":"demo","tag":"sciencefs",
             "uuid":"0f3c1a2b-1111-4222-8333-444455556666","status":"IN_PROGRESS","parentTasks":[{"sourceURI":
             "tapis://community-archive/LICENSE.txt","destinationURI":"tapis://tacc-work/imported/LICENSE.txt",
             "totalBytes":64,"bytesTransferred":0,"taskId":1,"children":[],"status":"IN_PROGRESS"}],
             "estimatedTotalBytes":64,"totalBytesTransferred":0,"totalTransfers":1,"completeTransfers":0,
             "errorMessage":null,"created":"2026-12-05T21:30:00.000Z","startTime":null,"endTime":null},
             "version":"1.8.2","metadata":{}}
            """),
        .json("transfer-task", """
            {"status":"success","result":{"uuid":"t-2","status":"FAILED","errorMessage":"Source not found",
             "estimatedTotalBytes":"1e3","totalBytesTransferred":-1}}
            """),
        .json("token", """
            {"status":"success","message":"Token created successfully.","result":{"access_token":{"access_token":
             "\(jwt)","expires_at":"2030-03-17T17:46:40.000Z","expires_in":14400,"jti":"8c4e"},
             "refresh_token":{"refresh_token":"\(jwt)","expires_at":"2030-04-17T17:46:40Z","expires_in":2592000}},
             "version":"1.8.2","metadata":{}}
            """),
        .json("status", """
            {"status":"error","message":"TAPIS_SECURITY_JWT_EXPIRED The JWT in the X-Tapis-Token header has expired.",
             "result":null,"version":"1.8.2","commit":"emulated","build":"sciencefs-emulator","metadata":null}
            """),
        .text("jwt", jwt),
        .text("jwt", "a.b.c"),
    ]
}
