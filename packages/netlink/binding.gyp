{
  "targets": [
    {
      "target_name": "flynn_netlink",
      "sources": ["native/netlink.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "conditions": [["OS!='linux'", {"sources!": ["native/netlink.cc"]}]]
    }
  ]
}
