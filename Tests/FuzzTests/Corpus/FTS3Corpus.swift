/// Valid FTS3 REST replies as the FTS3 emulator (and the real FTS3 server it follows) sends them: a job object, a
/// 207 multi-status array, the file rows of a job, `whoami`, a delegation's termination time and error bodies.
enum FTS3Corpus {
    static let seeds: [FuzzSeed] = [
        .json("job", """
            {"job_id":"a1b2c3d4-0000-1111-2222-333344445555","job_state":"ACTIVE","job_type":"N","source_se":null,
             "dest_se":null,"user_dn":"/DC=org/DC=example/CN=Alice","cred_id":"0123456789abcdef","vo_name":"dteam",
             "reason":null,"submit_time":"2024-07-01T09:25:37","job_finished":null,"priority":3,"max_time_in_queue":null,
             "verify_checksum":"b","overwrite_flag":false,"retry":0,"retry_delay":0,"bring_online":-1,
             "copy_pin_lifetime":-1,"archive_timeout":-1,"job_metadata":{"sciencefs":true},"cancel_job":null,
             "submit_host":"fts3.example.org","target_qos":null,"dst_file_report":false,"os_project_id":null,
             "http_status":"200 Ok"}
            """),
        .json("job", """
            [{"job_id":"a1b2c3d4-0000-1111-2222-333344445555","job_state":"CANCELED","reason":"Job canceled by the user",
              "http_status":"200 Ok"},
             {"job_id":"ffff","http_status":"404 Not Found","http_message":"No job with the id ffff has been found"},
             {"job_id":"eeee","job_state":"FINISHED","http_status":"304 Not Modified","http_message":"The job is in a terminal state"}]
            """),
        .json("files", """
            [{"file_id":1001,"file_index":0,"job_id":"a1b2","file_state":"FINISHED","source_surl":"https://a.example.org/x",
              "dest_surl":"davs://b.example.org:443/y","reason":"","filesize":1048576,"user_filesize":1048576,
              "checksum":"adler32:0a1b2c3d","start_time":"2024-07-01T09:25:40","finish_time":"2024-07-01T09:26:00"},
             {"file_id":"1002","file_index":1.0,"file_state":"ACTIVE","source_surl":"https://a.example.org/z",
              "dest_surl":"davs://b.example.org:443/w","filesize":1048576.0,"user_filesize":"2048","transferred":512},
             {"file_id":null,"file_index":null,"file_state":"FAILED","reason":"SOURCE [2] No such file","filesize":null}]
            """),
        .json("whoami", """
            {"dn":["/DC=org/DC=example/CN=Alice"],"vos":["dteam"],"voms_cred":[],"user_dn":"/DC=org/DC=example/CN=Alice",
             "delegation_id":"0123456789abcdef","method":"certificate","is_root":false,"base_id":"01874efb"}
            """),
        .json("delegation", #"{"termination_time":"2024-07-02T09:25:37","delegation_id":"0123456789abcdef"}"#),
        .json("delegation", #"{"termination_time":"2024-07-02T09:25:37.123456+00:00"}"#),
        .json("error-body", #"{"status":"400 Bad Request","message":"Invalid value within the request: dest_surl"}"#),
    ]
}
